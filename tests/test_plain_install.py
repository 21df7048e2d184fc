"""The README's first command installs fairfile without the lab extra: every command but the
lab's must load without matplotlib, and `bureau compare` must say what to install."""

from __future__ import annotations

import subprocess
import sys

# A child interpreter where matplotlib cannot be imported, as on a plain `pip install -e .`.
_WITHOUT_MATPLOTLIB = """
import sys
sys.modules["matplotlib"] = None
from bureau.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _bureau(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_MATPLOTLIB, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_bureau_command_line_loads_without_the_lab_extra() -> None:
    done = _bureau("serve", "--help")
    assert done.returncode == 0, done.stderr
    assert "--sandbox" in done.stdout


def test_compare_without_the_lab_extra_names_what_to_install() -> None:
    done = _bureau("compare", "--population", "100", "--years", "1")
    assert done.returncode == 2
    assert "matplotlib is missing: pip install 'fairfile[lab]'" in done.stderr
    assert "Traceback" not in done.stderr
