"""The one place where the report relies on what other packages do not promise: private or internal APIs.

Every use below names the upstream version it mirrors (pinned in requirements.txt, with an upper bound),
and tests/test_compat.py checks each upstream shape directly, so an upgrade that changes one fails that
test at once, by name, rather than a build later or a page quietly wrong. Nothing else in the package
imports a private name of Sphinx, myst-nb, jupyter-cache, IPython, Jupyter Book or the theme.
"""

from __future__ import annotations

# ---------------------------------------------------------------- Sphinx and the theme (helpers.sphinxext)

# ---------------------------------------------------------------- myst-nb and jupyter-cache (helpers.build)

# ---------------------------------------------------------------- IPython (helpers.build.runner)
