"""The report's charts carry what a reader needs to trust them: axes, intervals, sample sizes."""

from __future__ import annotations

import re

import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from bureau.policy import charts
from bureau.policy.charts import bar_chart, line_chart, tornado
from bureau.policy.lab import Comparison, compare_replicates, resolve_regimes
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
        axis_label="mu*", noise=0.004, sample_note="n=20,000 people per run, 30 runs",
    )  # fmt: skip
    assert "2 x seed noise (SD)" in svg
    assert "n=20,000 people per run" in svg


def test_the_report_flags_small_groups_in_tables_and_charts() -> None:
    comp = compare_replicates(resolve_regimes(["spc-blacklist"]), 1500, 1, 1, 2, burn_in_years=1)
    html = render_html(comp)
    assert "small group" in html
    assert "bars = 95% interval" in html


# Every chart the report renders, checked on the matplotlib figure it is drawn from.

UNIT = re.compile(r"%|months|years|ratio|AUC|domains|records|mu\*")
SAMPLE = re.compile(r"n=\d")


@pytest.fixture(scope="module")
def drawn(full_comparison: Comparison) -> list[tuple[str, Figure]]:
    """Every figure of a full report, caught where each becomes SVG."""
    figures: list[tuple[str, Figure]] = []
    svg = charts._svg

    def keep(fig: Figure, title: str) -> str:
        figures.append((title, fig))
        return svg(fig, title)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charts, "_svg", keep)
        html = render_html(full_comparison)
    assert html.count("<svg") == len(figures)
    return figures


def _horizontal(ax: Axes) -> bool:
    """Bars drawn across (one a regime or a factor): the x axis carries the value."""
    return any(isinstance(c, BarContainer) and c.orientation == "horizontal" for c in ax.containers)


def _texts(fig: Figure) -> list[str]:
    ax = fig.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in ax.texts] + [ax.get_xlabel(), ax.get_ylabel()]
    texts += [t.get_text() for t in legend.get_texts()] if legend else []
    return texts


def test_the_report_draws_every_kind_of_chart(drawn: list[tuple[str, Figure]]) -> None:
    titles = [t for t, _ in drawn]
    assert "Share ever sanctioned" in titles  # the regime bars
    assert "Share sanctioned, month by month" in titles  # the lines over time
    assert "fcra-us: share_sanctioned" in titles  # a tornado
    assert "share_sanctioned against events.default.rate" in titles  # a sweep
    assert "German credit: AUC by attribute set" in titles  # the real-data bars
    assert len(drawn) >= 20


def test_every_chart_labels_its_axes_and_states_the_values_unit(
    drawn: list[tuple[str, Figure]],
) -> None:
    for title, fig in drawn:
        ax = fig.axes[0]
        value, other = (ax.xaxis, ax.yaxis) if _horizontal(ax) else (ax.yaxis, ax.xaxis)
        assert UNIT.search(value.get_label_text()), (
            f"{title}: no unit in {value.get_label_text()!r}"
        )
        named = other.get_label_text() or [t.get_text() for t in other.get_ticklabels()]
        assert named and all(named), f"{title}: the other axis says nothing"


def test_every_chart_shows_its_sample_size(drawn: list[tuple[str, Figure]]) -> None:
    for title, fig in drawn:
        assert any(SAMPLE.search(t) for t in _texts(fig)), f"{title}: no n shown"


def test_every_chart_of_a_metric_with_an_interval_draws_it(
    drawn: list[tuple[str, Figure]],
) -> None:
    """With replicates every metric has its 95% interval (error bars or a shaded band); the
    screen's effects their bootstrap half-widths; the real-data AUCs their SD over folds."""
    for title, fig in drawn:
        ax = fig.axes[0]
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert bars or bands, f"{title}: no interval drawn"


def test_every_chart_starts_its_value_axis_at_zero_or_says_where(
    drawn: list[tuple[str, Figure]],
) -> None:
    for title, fig in drawn:
        ax = fig.axes[0]
        low = (ax.get_xlim() if _horizontal(ax) else ax.get_ylim())[0]
        label = (ax.xaxis if _horizontal(ax) else ax.yaxis).get_label_text()
        assert low == 0 or "starts at" in label, f"{title}: the axis starts at {low}"
