"""With this folder on PYTHONPATH, the artefact writers of every Python process are the fakes of
tests/fake_writers.py (see there); nothing else changes."""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("fake_writers", Path(__file__).resolve().parents[1] / "fake_writers.py")
_fakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fakes)
sys.modules["helpers.release.pdf"] = sys.modules["helpers.release.datapackage"] = _fakes
