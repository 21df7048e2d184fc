"""Replicate intervals: honest about noise, and never silent about small groups."""

from __future__ import annotations

import numpy as np

from bureau.policy.lab import RegimeMetrics, compare_replicates, resolve_regimes
from bureau.policy.report import metric_cell
from bureau.policy.uncertainty import SMALL_GROUP, estimate, metric_bounds


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


def test_a_share_interval_stays_within_zero_and_one_and_a_count_above_zero() -> None:
    """Three replicates of a share near 0 (or 1) and a count near 0: the t interval would
    reach below 0 (or above 1); what is reported is what the metric can be."""
    near_zero = estimate([0.0, 0.0, 0.03], base=5000, bounds=metric_bounds("share_sanctioned"))
    near_one = estimate([1.0, 0.97, 1.0], base=5000, bounds=metric_bounds("auc"))
    count = estimate([0.0, 0.0, 6.0], base=5000, bounds=metric_bounds("notices_per_1000"))
    assert near_zero.low == 0.0 and near_zero.high is not None and near_zero.high < 1.0
    assert near_one.high == 1.0 and near_one.low is not None and near_one.low > 0.0
    assert count.low == 0.0 and count.high is not None and count.high > 6.0
    unclipped = estimate([0.0, 0.0, 0.03], base=5000)
    assert unclipped.low is not None and unclipped.low < 0  # the clip is what made it 0


def test_replicate_estimates_of_shares_and_counts_are_clipped_in_the_comparison() -> None:
    comp = compare_replicates(resolve_regimes(["fcra-us"]), 600, 1, 3, 2, burn_in_years=1)
    for name, est in comp.estimates["fcra-us"].items():
        low, high = metric_bounds(name)
        if est.low is not None and est.high is not None:
            assert low <= est.low <= est.high <= high, name


def test_a_chart_draws_a_share_interval_clipped_to_the_axis() -> None:
    from bureau.policy.charts import bar_chart

    svg = bar_chart(
        "Share sanctioned",
        ["a"],
        [0.01],
        lambda v: f"{100 * v:.1f}%",
        axis_label="share of people (%)",
        intervals=[(-0.05, 0.07)],
        sizes=[5000],
        scale=100,
    )
    clipped = bar_chart(
        "Share sanctioned",
        ["a"],
        [0.01],
        lambda v: f"{100 * v:.1f}%",
        axis_label="share of people (%)",
        intervals=[(0.0, 0.07)],
        sizes=[5000],
        scale=100,
    )
    assert svg == clipped  # an interval below 0 is drawn exactly as one clipped at 0
