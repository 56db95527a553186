"""Editions: git, what changed between editions, cutting a release, and the multi-edition site."""
