"""``python -m helpers bench``: what a build costs contributors and CI, and what a page costs a reader."""
