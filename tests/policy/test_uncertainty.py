"""Replicate intervals: honest about noise, and never silent about small groups."""

from __future__ import annotations

import numpy as np

from bureau.policy.lab import RegimeMetrics, compare_replicates, resolve_regimes
from bureau.policy.report import metric_cell
from bureau.policy.uncertainty import SMALL_GROUP, estimate


def test_replicate_intervals_cover_a_known_mean_about_95_percent_of_the_time() -> None:
    """Five replicates of a metric whose true value is 0.3 and whose noise is known."""
    rng = np.random.default_rng(11)
    trials = 4000
    covered = 0
    for _ in range(trials):
        e = estimate(list(0.3 + 0.02 * rng.standard_normal(5)), base=10_000)
        assert e.low is not None and e.high is not None
        covered += e.low <= 0.3 <= e.high
    assert 0.93 <= covered / trials <= 0.97


def test_one_replicate_gives_a_mean_without_an_interval() -> None:
    e = estimate([0.25], base=500)
    assert (e.mean, e.low, e.high, e.runs) == (0.25, None, None, 1)


def test_a_metric_undefined_in_some_runs_is_estimated_over_the_others() -> None:
    e = estimate([None, 2.0, 4.0], base=500)
    assert e.runs == 2 and e.mean == 3.0


def test_a_metric_over_a_small_group_is_flagged_with_its_size_not_printed_bare() -> None:
    comp = compare_replicates(resolve_regimes(["spc-blacklist"]), 3000, 2, 1, 2, burn_in_years=2)
    m: RegimeMetrics = comp.regimes[0]
    est = comp.estimates[m.regime]["share_wrong_never_corrected"]
    assert est.base < SMALL_GROUP  # a few false listings among 3,000 people
    cell = metric_cell(comp, m, "share_wrong_never_corrected", lambda v: f"{v:.3f}", True)
    assert f"n={est.base}, small group" in cell
    big = metric_cell(comp, m, "share_sanctioned", lambda v: f"{v:.3f}", True)
    assert "small group" not in big and "[" in big  # an interval, from two replicates


def test_replicates_are_reproducible_and_the_first_is_the_plain_run() -> None:
    regimes = resolve_regimes(["fcra-us"])
    a = compare_replicates(regimes, 2000, 2, 5, 3, burn_in_years=1)
    b = compare_replicates(regimes, 2000, 2, 5, 3, burn_in_years=1)
    assert a.as_json() == b.as_json()
    plain = compare_replicates(regimes, 2000, 2, 5, 1, burn_in_years=1)
    assert plain.regimes == a.regimes
