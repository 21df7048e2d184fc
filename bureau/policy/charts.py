"""Inline SVG charts for the comparison report.

Why hand-written SVG: the report must open offline, from a single file, with nothing fetched;
a few bars and lines do not justify a plotting dependency or base64 images.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

PALETTE = ("#1b6ca8", "#5fa55a", "#f0a30a", "#d1495b", "#8e6c8a", "#2a9d8f", "#6c757d")
FONT = "font-family:system-ui,sans-serif;font-size:12px"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _opening(title: str, width: int, height: int) -> list[str]:
    """Every chart opens alike: an image labelled with its title (for screen readers), and the
    title written above the plot."""
    return [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" style="{FONT}">',
        f'<text x="4" y="16" font-weight="bold">{escape(title)}</text>',
    ]


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float], str],
    *,
    reference: float | None = None,
    reference_label: str = "",
    lo: float = 0.0,
) -> str:
    """Horizontal bars, one per regime; None is drawn as 'n/a'."""
    width, label_w, row_h, top = 520, 150, 24, 30
    height = top + row_h * len(labels) + 20
    plot_w = width - label_w - 70
    known = [v for v in values if v is not None]
    hi = max([*known, reference or 0.0, lo + 1e-9])
    parts = _opening(title, width, height)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        parts.append(f'<text x="4" y="{y + 15}">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{label_w}" y="{y + 15}" fill="#888">n/a</text>')
            continue
        w = max(1.0, plot_w * (value - lo) / (hi - lo)) if hi > lo else 1.0
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour(i)}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{escape(fmt(value))}</text>')
    if reference is not None and hi > lo:
        x = label_w + plot_w * (reference - lo) / (hi - lo)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 16}" '
            'stroke="#333" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x + 3:.1f}" y="{height - 4}" fill="#333">{escape(reference_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    title: str,
    series: Mapping[str, Sequence[float]],
    *,
    x_label: str,
    y_fmt: Callable[[float], str],
    points_per_unit: int = 12,
) -> str:
    """Lines over time (months on the x axis, labelled in years), with a legend."""
    width, height, left, right, top, bottom = 720, 300, 50, 170, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max((len(s) for s in series.values()), default=0)
    hi = max((max(s) for s in series.values() if len(s)), default=1.0) or 1.0
    parts = [
        *_opening(title, width, height),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for k in range(5):
        v = hi * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<text x="4" y="{y + 4:.1f}">{escape(y_fmt(v))}</text>')
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
        )
    units = max(1, n // points_per_unit)
    for u in range(units + 1):
        x = left + plot_w * (u * points_per_unit) / max(n - 1, 1)
        if x <= left + plot_w + 0.5:
            parts.append(f'<text x="{x - 3:.1f}" y="{top + plot_h + 15}">{u}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2 - 20:.1f}" y="{height - 6}">{escape(x_label)}</text>'
    )
    for i, (label, values) in enumerate(series.items()):
        if not len(values):
            continue
        pts = " ".join(
            f"{left + plot_w * j / max(n - 1, 1):.1f},{top + plot_h - plot_h * v / hi:.1f}"
            for j, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour(i)}" stroke-width="2" points="{pts}">'
            f"<title>{escape(label)}</title></polyline>"
        )
        ly = top + 14 * i + 6
        parts.append(
            f'<rect x="{left + plot_w + 10}" y="{ly}" width="12" height="4" fill="{colour(i)}"/>'
        )
        parts.append(f'<text x="{left + plot_w + 26}" y="{ly + 6}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    title: str,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float]],
    fmt: Callable[[float], str],
    lo: float,
    hi: float,
) -> str:
    """Vertical bars in groups (e.g. model family x attribute set)."""
    width, height, left, top, bottom = 560, 260, 40, 30, 50
    plot_w, plot_h = width - left - 140, height - top - bottom
    k = len(series)
    gw = plot_w / max(len(groups), 1)
    bw = gw * 0.8 / max(k, 1)
    parts = [
        *_opening(title, width, height),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
    ]
    for g, group in enumerate(groups):
        gx = left + g * gw + gw * 0.1
        parts.append(f'<text x="{gx:.1f}" y="{top + plot_h + 16}">{escape(group)}</text>')
        for s, (label, values) in enumerate(series.items()):
            v = values[g]
            h = plot_h * (v - lo) / (hi - lo)
            x = gx + s * bw
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bw - 2:.1f}" '
                f'height="{max(h, 0):.1f}" fill="{colour(s)}"><title>{escape(label)} '
                f"{escape(group)}: {escape(fmt(v))}</title></rect>"
            )
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h - h - 3:.1f}" font-size="10">'
                f"{escape(fmt(v))}</text>"
            )
    for s, label in enumerate(series):
        y = top + 14 * s + 6
        parts.append(
            f'<rect x="{left + plot_w + 10}" y="{y}" width="12" height="8" fill="{colour(s)}"/>'
        )
        parts.append(f'<text x="{left + plot_w + 26}" y="{y + 8}">{escape(label)}</text>')
    parts.append(f'<text x="4" y="{height - 6}">AUC axis from {lo:g} to {hi:g}</text>')
    parts.append("</svg>")
    return "".join(parts)
