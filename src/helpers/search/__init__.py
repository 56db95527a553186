"""Searches for new evidence since the synthesis: the surveillance search and screening."""
