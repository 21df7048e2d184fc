"""The report's charts, drawn with matplotlib and inlined as SVG.

Why matplotlib: a chart a researcher can cite needs what hand-drawn SVG kept missing (real
axes with labelled ticks, a zero baseline or an axis that says where it starts, intervals as
error bars, sample sizes); a maintained plotting library gets these right. Why inline SVG: the
report must still open offline from one file. Text stays text in the SVG, and the output is
byte-for-byte the same for the same numbers (fixed hash salt, no date), so the report is
reproducible too.

Every bar is drawn from zero. A value resting on fewer than SMALL_GROUP people is hatched and
labelled with its n, so it never reads like a large group's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

import matplotlib
from matplotlib.figure import Figure

from bureau.policy.uncertainty import SMALL_GROUP

PALETTE = ("#1b6ca8", "#5fa55a", "#f0a30a", "#d1495b", "#8e6c8a", "#2a9d8f", "#6c757d")
LINE_STYLES = ("-", "--", "-.", ":")
Interval = tuple[float, float] | None

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # text as text: smaller, searchable, screen-reader friendly
        "svg.hashsalt": "fairfile-policy-lab",  # stable ids, so same numbers, same bytes
        "font.size": 9,
        "font.family": "sans-serif",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _svg(fig: Figure, title: str) -> str:
    """The figure as an inline <svg> labelled with its title (for screen readers)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    # Inline in HTML, the SVG needs no namespace declarations or RDF metadata (whose URIs
    # would read like network references in an offline report).
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    text = re.sub(
        r"<svg ",
        f'<svg role="img" aria-label="{escape(title)}" ',
        text,
        count=1,
    )
    return text


def _size_label(n: int | None) -> str:
    if n is None:
        return ""
    return f"n={n:,}, small group" if n < SMALL_GROUP else f"n={n:,}"


def _clipped(span: Interval, share: bool) -> Interval:
    """An interval as drawn: never below zero, and a share's never above 100%."""
    if span is None:
        return None
    return (max(span[0], 0.0), min(span[1], 1.0) if share else span[1])


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float], str],
    *,
    axis_label: str,
    intervals: Sequence[Interval] | None = None,
    sizes: Sequence[int | None] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    scale: float = 1.0,
) -> str:
    """Horizontal bars from zero, one per regime, with 95% intervals as error bars and each
    bar's n; None is written 'n/a'. `scale` turns shares into percent on the axis."""
    n = len(labels)
    fig = Figure(figsize=(5.6, 0.42 * n + 1.1))
    ax = fig.add_subplot()
    ys = list(range(n))[::-1]
    known = [v for v in values if v is not None]
    top = max([*known, reference or 0.0, 1e-9]) * scale
    for i, (y, value) in enumerate(zip(ys, values, strict=True)):
        size = sizes[i] if sizes else None
        small = size is not None and size < SMALL_GROUP
        if value is None:
            ax.text(0, y, " n/a", va="center", color="#777")
            continue
        span = _clipped(intervals[i] if intervals else None, scale == 100)
        err = None
        if span is not None:
            err = [[max(value - span[0], 0) * scale], [max(span[1] - value, 0) * scale]]
            top = max(top, span[1] * scale)
        ax.barh(
            y,
            value * scale,
            color="white" if small else colour(i),
            edgecolor=colour(i),
            hatch="//" if small else None,
            xerr=err,
            capsize=3,
            error_kw={"ecolor": "#333", "elinewidth": 1},
        )
        note = fmt(value) + (f"  ({_size_label(size)})" if size is not None else "")
        ax.text(
            (span[1] if span else value) * scale + top * 0.01,
            y,
            note,
            va="center",
            color="#b00" if small else "#222",
        )
    if reference is not None:
        ax.axvline(reference * scale, color="#333", linestyle="--", linewidth=1)
        ax.text(reference * scale, n - 0.45, f" {reference_label}", color="#333")
    ax.set_yticks(ys, labels)
    # A share is drawn on its whole 0-100% axis; other metrics from zero with room for labels.
    ax.set_xlim(0, 100 if scale == 100 else top * 1.45)
    ax.set_xlabel(axis_label)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(axis="x", color="#eee")
    ax.set_axisbelow(True)
    return _svg(fig, title)


def line_chart(
    title: str,
    series: Mapping[str, Sequence[float]],
    *,
    x_label: str,
    y_label: str,
    scale: float = 1.0,
    points_per_unit: int = 12,
    sizes: Mapping[str, int] | None = None,
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> str:
    """Lines over time (months, labelled in years) from a zero baseline. Lines that coincide
    (several regimes at zero) stay visible: each has its own dash pattern and marker. `bands`
    (low and high per point, say each month's 95% interval over replicates) are shaded."""
    fig = Figure(figsize=(7.4, 3.4))
    ax = fig.add_subplot()
    longest = 0
    for i, (label, values) in enumerate(series.items()):
        if not len(values):
            continue
        longest = max(longest, len(values))
        xs = [j / points_per_unit for j in range(len(values))]
        name = label + (f" (n={sizes[label]:,})" if sizes and label in sizes else "")
        if bands and label in bands:
            low, high = bands[label]
            ax.fill_between(
                xs, [v * scale for v in low], [v * scale for v in high], color=colour(i),
                alpha=0.18, linewidth=0,
            )  # fmt: skip
        ax.plot(
            xs,
            [v * scale for v in values],
            color=colour(i),
            linestyle=LINE_STYLES[i % len(LINE_STYLES)],
            linewidth=1.6,
            marker="os^vDPX"[i % 7],
            markevery=max(points_per_unit, 1),
            markersize=4,
            label=name,
        )
    ax.set_ylim(bottom=0)
    ax.set_xlim(0, max(longest - 1, 1) / points_per_unit)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(color="#eee")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(fig, title)


def grouped_bars(
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float]],
    fmt: Callable[[float], str],
    *,
    axis_label: str,
    errors: Mapping[str, Sequence[float]] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    sample_note: str = "",
) -> str:
    """Vertical bars in groups (model family x attribute set), from zero, with error bars."""
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.add_subplot()
    k = max(len(series), 1)
    width = 0.8 / k
    for s, (label, values) in enumerate(series.items()):
        xs = [g + (s - (k - 1) / 2) * width for g in range(len(groups))]
        err = list(errors[label]) if errors and label in errors else None
        ax.bar(
            xs, values, width * 0.95, color=colour(s), label=label, yerr=err, capsize=3
        )  # fmt: skip
        for x, v, e in zip(xs, values, err or [0.0] * len(values), strict=True):
            ax.text(x, v + e + 0.01, fmt(v), ha="center", fontsize=7)
    if reference is not None:
        ax.axhline(reference, color="#333", linestyle="--", linewidth=1)
        ax.text(len(groups) - 0.5, reference, f" {reference_label}", va="bottom")
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylim(0, 1)
    ax.set_ylabel(axis_label)
    if sample_note:
        ax.set_xlabel(sample_note)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(axis="y", color="#eee")
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(fig, title)


def tornado(
    title: str,
    names: Sequence[str],
    effects: Sequence[float],
    halfwidths: Sequence[float],
    *,
    axis_label: str,
    noise: float | None,
    sample_note: str,
) -> str:
    """The screen's effects on one metric, largest on top, each with its 95% bootstrap
    half-width; the grey band is twice the seed noise (an effect inside it is no effect seen).
    `sample_note` (the people per run and the runs) goes under the axis label."""
    n = len(names)
    fig = Figure(figsize=(6.4, 0.36 * n + 1.1))
    ax = fig.add_subplot()
    ys = list(range(n))[::-1]
    if noise:
        ax.axvspan(0, 2 * noise, color="#ddd", label="2 x seed noise (SD)")
    ax.barh(ys, effects, xerr=halfwidths, color=colour(0), capsize=3)
    ax.set_yticks(ys, names)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{axis_label}\n{sample_note}")
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(axis="x", color="#eee")
    ax.set_axisbelow(True)
    if noise:
        ax.legend(loc="lower right", frameon=False)
    return _svg(fig, title)


def sweep_chart(
    title: str,
    xs: Sequence[float],
    series: Mapping[str, Sequence[tuple[float | None, float | None, float | None]]],
    *,
    x_label: str,
    y_label: str,
    scale: float = 1.0,
    sizes: Mapping[str, int] | None = None,
) -> str:
    """A metric against a swept parameter, one line per regime, each point its replicate mean
    with its 95% interval as an error bar (clipped to what the metric can be); undefined points
    are left out of the line. The y axis starts at zero; a share's runs to 100%."""
    fig = Figure(figsize=(6.4, 3.4))
    ax = fig.add_subplot()
    share = scale == 100
    for i, (label, points) in enumerate(series.items()):
        px, py, lo, hi = [], [], [], []
        for x, (mean, low, high) in zip(xs, points, strict=True):
            if mean is None:
                continue
            span = _clipped((low, high) if low is not None and high is not None else None, share)
            px.append(x)
            py.append(mean * scale)
            lo.append(max(mean - span[0], 0.0) * scale if span else 0.0)
            hi.append(max(span[1] - mean, 0.0) * scale if span else 0.0)
        if not px:
            continue
        name = label + (f" (n={sizes[label]:,} per run)" if sizes and label in sizes else "")
        ax.errorbar(
            px,
            py,
            yerr=[lo, hi],
            color=colour(i),
            linestyle=LINE_STYLES[i % len(LINE_STYLES)],
            marker="os^vDPX"[i % 7],
            markersize=4,
            capsize=3,
            linewidth=1.4,
            label=name,
        )
    ax.set_ylim(0, 100 if share else None)
    if not share:
        ax.set_ylim(bottom=0)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title, loc="left", fontweight="bold")
    ax.grid(color="#eee")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _svg(fig, title)
