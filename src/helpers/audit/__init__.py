"""The audit: recompute what the papers report from what they print, and cross-check it; no HTML here."""
