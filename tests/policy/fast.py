"""Sizes for tests that check a property of the simulator rather than a steady-state figure.

Why: the default burn-in (the longest retention or term, 10+ years) is right for results and
slow for tests; a test that asks "same seed, same numbers" or "A beats B" needs no steady
state, so it runs a short warm-up and a small population. The defaults stay scientific.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bureau.cli import main

BURN_IN = 2  # years simulated before measuring, in tests
PEOPLE = 2000  # people, where a test needs no large sample


def compare_one_year(
    out: Path, regime: str, people: int, *flags: str
) -> tuple[dict[str, Any], str]:
    """`bureau compare` of one regime for a year after a year's burn-in, without the real-data
    check, writing to `out`: its metrics.json and its report.html, for tests of what a flag
    adds to both."""
    args = ["compare", "--regimes", regime, "--population", str(people), "--years", "1"]
    args += ["--burn-in", "1", "--no-real-data", *flags, "--out", str(out)]
    assert main(args) == 0
    return json.loads((out / "metrics.json").read_text()), (out / "report.html").read_text()
