"""The report's charts carry what a reader needs to trust them: axes, intervals, sample sizes."""

from __future__ import annotations

from bureau.policy.charts import bar_chart, line_chart, tornado
from bureau.policy.lab import compare_replicates, resolve_regimes
from bureau.policy.report import render_html


def test_a_bar_chart_has_labelled_axes_error_bars_and_each_bars_sample_size() -> None:
    svg = bar_chart(
        "Share sanctioned",
        ["a", "b"],
        [0.2, 0.13],
        lambda v: f"{100 * v:.1f}%",
        axis_label="% of people",
        intervals=[(0.18, 0.22), (0.05, 0.21)],
        sizes=[100_000, 46],
        scale=100,
    )
    assert svg.startswith("<svg") and 'aria-label="Share sanctioned"' in svg
    assert "% of people" in svg  # the axis says its unit
    assert "n=100,000" in svg
    assert "n=46, small group" in svg  # never a bare percentage over a few people
    assert svg.count('id="xtick_') >= 3  # labelled ticks on a real axis


def test_the_same_numbers_draw_the_same_bytes() -> None:
    def draw() -> str:
        return line_chart(
            "Over time", {"a": [0.0, 0.1, 0.2], "b": [0.0, 0.0, 0.0]}, x_label="years",
            y_label="% of people", scale=100,
        )  # fmt: skip

    assert draw() == draw()


def test_a_tornado_shows_the_seed_noise_band_beside_the_effects() -> None:
    svg = tornado(
        "fcra-us: share_sanctioned", ["x", "y"], [0.1, 0.01], [0.02, 0.01],
        axis_label="mu*", noise=0.004,
    )  # fmt: skip
    assert "2 x seed noise (SD)" in svg


def test_the_report_flags_small_groups_in_tables_and_charts() -> None:
    comp = compare_replicates(resolve_regimes(["spc-blacklist"]), 1500, 1, 1, 2, burn_in_years=1)
    html = render_html(comp)
    assert "small group" in html
    assert "bars = 95% interval" in html
