"""The report's robustness sections: Sobol indices beside the Morris screen, and the sweep.

Why apart from report.py: these read only the JSON the sensitivity and sweep steps record
(`Screen.as_json`, `run_sweep`), so the report of a saved metrics.json renders the same, and
the regime sections report.py holds stay free of them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bureau.policy.charts import sweep_chart
from bureau.policy.uncertainty import SMALL_GROUP

# Each headline's unit as a chart axis shows it, and the scale that turns it into that unit.
HEADLINE_AXES: dict[str, tuple[str, float]] = {
    "share_sanctioned": ("% of people", 100.0),
    "share_wrongly_sanctioned": ("% of people", 100.0),
    "share_wrong_never_corrected": ("% of the wrongly sanctioned", 100.0),
    "auc": ("AUC (0.5 = chance, 1 = perfect)", 1.0),
    "disparity_ratio": ("ratio, protected / others (1 = parity)", 1.0),
}


def _share(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def sobol_table(sens: dict[str, Any], regime: str) -> str:
    """One regime's Sobol indices per headline, with SALib's 95% half-widths and the seed
    noise's share of the metric's variance across the samples."""
    by_metric = (sens.get("sobol") or {}).get(regime)
    if not by_metric:
        if sens.get("mode") == "sobol":
            return '<p class="note">Sobol: no factor moved this regime beyond seed noise.</p>'
        return ""
    rows = []
    for metric, result in by_metric.items():
        noise = result.get("noise_share")
        noise_cell = "" if noise is None else f"{100 * noise:.1f}%"
        for rank, (factor, ix) in enumerate(result["indices"].items(), 1):
            rows.append(
                f'<tr><td class="l">{escape(metric) if rank == 1 else ""}</td><td>{rank}</td>'
                f'<td class="l"><code>{escape(factor)}</code></td>'
                f"<td>{_share(ix['S1'])} &plusmn; {_share(ix['S1_conf'])}</td>"
                f"<td>{_share(ix['ST'])} &plusmn; {_share(ix['ST_conf'])}</td>"
                f"<td>{noise_cell if rank == 1 else ''}</td></tr>"
            )
    return (
        f"<p>Sobol indices ({sens.get('sobol_samples', 0)} base samples; S1 = the share of the "
        "metric's variance the factor explains alone, ST = with its interactions; &plusmn; "
        "SALib's 95% bootstrap half-width). <i>Seed noise</i> is the baseline's seed variance "
        "as a share of the variance across the samples: near or above 100%, the factors move "
        "the metric no more than the dice do, and the indices are not to be read.</p>"
        '<div class="wide"><table><tr><th class="l">Metric</th><th>Rank</th>'
        '<th class="l">Parameter</th><th>S1 &plusmn; 95%</th><th>ST &plusmn; 95%</th>'
        f"<th>Seed noise / variance</th></tr>{''.join(rows)}</table></div>"
    )


def sweep_section(sweep: dict[str, Any] | None) -> str:
    """The sweep's charts, one per headline, and the table they are drawn from."""
    if not sweep:
        return "<p>Not run (<code>--sweep PATH=LO:HI:STEPS</code> runs it).</p>"
    xs = [float(x) for x in sweep["values"]]
    reached = ", ".join(sweep["applies_to"])
    charts = []
    for metric, (unit, scale) in HEADLINE_AXES.items():
        series = {
            regime: [(p["mean"], p["low"], p["high"]) for p in points[metric]]
            for regime, points in sweep["points"].items()
        }
        charts.append(
            sweep_chart(
                f"{metric} against {sweep['path']}",
                xs,
                series,
                x_label=f"{sweep['parameter']} (swept)",
                y_label=f"{unit}; mean of {sweep['replicates']} runs, bars = 95%",
                scale=scale,
                sizes={regime: sweep["population"] for regime in sweep["points"]},
            )
        )
    head = "".join(f"<th>{x:g}</th>" for x in xs)
    rows = []
    for regime, points in sweep["points"].items():
        for metric, (_, scale) in HEADLINE_AXES.items():
            cells = []
            for p in points[metric]:
                if p["mean"] is None:
                    cells.append("<td>n/a</td>")
                    continue
                band = (
                    f"<br><small>[{scale * p['low']:.3g} to {scale * p['high']:.3g}]</small>"
                    if p["low"] is not None and p["high"] is not None
                    else ""
                )
                small = ' class="small"' if p["base"] < SMALL_GROUP else ""
                cells.append(
                    f"<td{small}>{scale * p['mean']:.3g}{band}"
                    f"<br><small>n={p['base']:,}</small></td>"
                )
            rows.append(
                f'<tr><td class="l">{escape(regime)}</td><td class="l">{escape(metric)}</td>'
                f"{''.join(cells)}</tr>"
            )
    return (
        f"<p><code>{escape(sweep['parameter'])}</code> from {sweep['low']:g} to "
        f"{sweep['high']:g} in {sweep['steps']} points, reaching: {escape(reached)}; "
        f"{sweep['population']:,} people, {sweep['years']} years, {sweep['replicates']} "
        "replicates per point (the same seeds at every point). Each point is the replicate "
        "mean with its 95% interval; shares in %.</p>"
        f'<div class="charts">{"".join(charts)}</div>'
        f'<div class="wide"><table><tr><th class="l">Regime</th><th class="l">Metric</th>'
        f"{head}</tr>{''.join(rows)}</table></div>"
    )
