"""Imported first by a bench that starts servers from a checkout: this checkout's code goes first
on the import path, whatever the environment's editable install points at.

Why: `bench/pull.py --compare-with OTHER` runs OTHER's bench as a server with this venv's
Python. Its `bureau` imports ran before it could put its own checkout on the path, so that
server measured this checkout's code, and the processes it spawned (which inherit the path)
another's: the comparison compared nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))
