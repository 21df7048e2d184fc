"""A full comparison (replicates, a screen, a sweep, the real-data check) at a test's size,
drawn once for the tests of what the report shows."""

from __future__ import annotations

import pytest

from bureau.policy.lab import Comparison, compare_replicates, resolve_regimes
from bureau.policy.population import population_document
from bureau.policy.realdata import run_check
from bureau.policy.sensitivity import Factor, morris_screen
from bureau.policy.sweep import parse_sweep, run_sweep


@pytest.fixture(scope="session")
def full_comparison() -> Comparison:
    regimes = resolve_regimes(["fcra-us", "spc-blacklist"])
    comp = compare_replicates(regimes, 1500, 2, 1, 3, burn_in_years=1)
    doc, source = population_document()
    factors = [
        Factor("population", "events.default.rate", 0.025, 0.0, 0.2, False),
        Factor("population", "events.littering.rate", 0.05, 0.0, 0.5, False),
    ]
    screen = morris_screen(
        regimes, doc, source, population=500, years=2, seed=1, trajectories=2,
        burn_in_years=1, factors=factors, noise_replicates=2,
    )  # fmt: skip
    comp.sensitivity = screen.as_json() | {"mode": "morris"}
    comp.sweep = run_sweep(
        parse_sweep("events.default.rate=0.01:0.05:2"), regimes, doc, source,
        population=500, years=2, seed=1, replicates=2, burn_in_years=1,
    )  # fmt: skip
    comp.realdata = run_check(seed=1, folds=3, repeats=1, families=("binned logistic regression",))
    return comp
