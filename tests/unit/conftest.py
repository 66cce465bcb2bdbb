"""Make ``bench`` importable for the unit tests of its pure parts (the simulator).

``bench`` is a plain folder run with ``python -m bench...`` from the repository root, not
an installed package; appending the root (never prepending) keeps the standard library
first, so the ``operator/`` folder cannot shadow the ``operator`` module.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.append(ROOT)
