"""One population through every regime, and the comparison metrics.

Why months outside and regimes inside: the population's month of life is drawn once and handed
to each regime in turn, so memory stays at one month of events and every regime sees exactly
the same lives (same seed, same numbers, whatever the set of regimes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS, EventType
from bureau.policy.companies import CompanyMetrics, company_metrics
from bureau.policy.company_population import draw_companies
from bureau.policy.engine import LinearRun, ListRun, start_run
from bureau.policy.indicators import per_person as indicators_per_person
from bureau.policy.joint import JointMetrics, bundles
from bureau.policy.population import (
    MonthEvents,
    Population,
    PopulationParams,
    draw_population,
    event_stream,
)
from bureau.policy.regime import Regime, builtin_names, builtin_reforms, load_regime
from bureau.policy.representatives import RepresentativeReach
from bureau.policy.uncertainty import Estimate, estimate, metric_bounds

Progress = Callable[[int], None]


@dataclass
class RegimeMetrics:
    """The comparison's numbers for one regime (see docs/policy.md for definitions)."""

    regime: str
    name: str
    kind: str
    access_basis: str
    categories_admitted: int
    categories_per_person: float
    data_points_per_person: float
    share_sanctioned: float
    median_years_sanctioned: float | None
    p95_years_sanctioned: float | None
    domains_per_sanctioned: float | None
    share_recovered: float | None
    share_wrongly_sanctioned: float
    median_months_to_correction: float | None
    mean_months_to_correction: float | None
    share_wrong_never_corrected: float | None
    reproducible: bool
    auc: float | None
    disparity_ratio: float | None
    disparity_time_ratio: float | None
    share_sanctioned_protected: float
    share_sanctioned_others: float
    notices_per_1000: float
    disputes_filed_per_1000: float
    disputes_upheld_per_1000: float
    disputes_rejected_per_1000: float
    applications_per_1000: float = 0.0
    share_decided_without_report: float | None = None
    share_applications_declined: float | None = None
    share_declined_unseen_clear: float | None = None
    share_approved_against_file: float | None = None
    share_wrongly_declined: float | None = None
    errors_noticed_per_1000: float = 0.0
    # How many people (or applications) each metric is computed over, so small groups show.
    bases: dict[str, int] = field(default_factory=dict)
    domain_shares: dict[str, float] = field(default_factory=dict)
    series_sanctioned: list[float] = field(default_factory=list)
    series_wrong: list[float] = field(default_factory=list)
    band_names: list[str] = field(default_factory=list)
    bands_by_year: list[list[float]] = field(default_factory=list)
    # Rewards beside sanctions (rewards.py), opt-in take-up, indicators held (indicators.py).
    share_rewarded: float = 0.0
    share_months_rewarded: float = 0.0
    reward_domain_shares: dict[str, float] = field(default_factory=dict)
    share_enrolled: float = 1.0
    indicators_collected: int | None = None
    indicators_per_person: float | None = None
    # The blacklist's procedure per 1,000 people (procedure.py): refused entries, restorations.
    procedure_per_1000: dict[str, float] = field(default_factory=dict)


@dataclass
class Comparison:
    seed: int
    population: int
    years: int
    regimes: list[RegimeMetrics]
    population_params: PopulationParams
    regime_objects: list[Regime]
    realdata: dict[str, Any] | None = None
    burn_in_years: int = 0
    # The Morris screen (sensitivity.Screen.as_json()), when asked for.
    sensitivity: dict[str, Any] | None = None
    # One parameter swept over a range (sweep.run_sweep), when asked for.
    sweep: dict[str, Any] | None = None
    # Replicates (independent seeds seed, seed+1, ...): every run's metrics, and the estimates.
    replicates: list[list[RegimeMetrics]] = field(default_factory=list)
    estimates: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    # Regimes linked by joint punishment, run as one system beside the separate runs.
    joint: list[JointMetrics] = field(default_factory=list)
    # Companies held by the regimes that hold them, and their representatives (companies.py).
    companies: list[CompanyMetrics] = field(default_factory=list)
    # The regimes holding companies, linked by joint rules, run jointly over the companies.
    company_joint: list[JointMetrics] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "population": self.population,
            "years": self.years,
            "burn_in_years": self.burn_in_years,
            "replicates": len(self.replicates) or 1,
            "regimes": [asdict(m) for m in self.regimes],
            "estimates": {
                r: {k: asdict(e) for k, e in ests.items()} for r, ests in self.estimates.items()
            },
            "joint": [j.as_json() for j in self.joint],
            "companies": [c.as_json() for c in self.companies],
            "company_joint": [j.as_json() for j in self.company_joint],
            "realdata": self.realdata,
            "sensitivity": self.sensitivity,
            "sweep": self.sweep,
            "population_params": {
                k: v for k, v in asdict(self.population_params).items() if k != "provenance"
            },
        }


def resolve_regimes(
    spec: Sequence[str], events: Mapping[str, EventType] | None = None
) -> list[Regime]:
    """`all` (the built-in regimes), `variants` (the built-in reforms: contested readings),
    built-in ids, or paths to regime or reform files (a researcher's what-if). `events`: the
    population's events (built-in and defined), which a regime file may name."""
    names: list[str | Path] = []
    for item in spec:
        for part in str(item).split(","):
            part = part.strip()
            if part == "all":
                names.extend(builtin_names())
            elif part == "variants":
                names.extend(builtin_reforms())
            elif part:
                names.append(part)
    regimes = [load_regime(n, events) for n in names]
    for r in regimes:
        r.require_lab()
    ids = [r.id for r in regimes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"regimes: the same regime id twice in {ids}")
    return regimes


def _quantile(values: np.ndarray, q: float) -> float | None:
    return float(np.quantile(values, q)) if len(values) else None


def _ratio(days: np.ndarray, protected: np.ndarray) -> float | None:
    """Mean time sanctioned, protected group over the others."""
    if not protected.any() or protected.all():
        return None
    others = float(days[~protected].mean())
    return float(days[protected].mean()) / others if others > 0 else None


def summarise(run: LinearRun | ListRun, pop: Population) -> RegimeMetrics:
    """The per-regime metrics from a finished run."""
    lab = run.regime.require_lab()
    t = run.tracker
    n = pop.size
    points, cats = run.held.per_person(pop)
    enrolled = run.reach.enrolled  # an opt-in regime holds nothing on who never joined
    points, cats = np.where(enrolled, points, 0.0), np.where(enrolled, cats, 0.0)
    sanctioned = t.ever
    years = t.days[sanctioned] / 365.0
    n_sanctioned = int(sanctioned.sum())
    domain_counts = np.zeros(n, np.int8)
    shares: dict[str, float] = {}
    for d in DOMAINS:
        has = (t.domains & DOMAIN_BIT[d]) != 0
        domain_counts += has
        shares[d] = float(has.mean())
    wrong = t.wrong_ever
    ended = wrong & (t.wrong_until >= 0)
    durations = (t.wrong_until[ended] - t.wrong_since[ended]).astype(np.float64)
    prot = pop.protected
    s_prot = float(sanctioned[prot].mean()) if prot.any() else 0.0
    s_oth = float(sanctioned[~prot].mean()) if (~prot).any() else 0.0
    c = t.counters
    per_k = 1000.0 / n
    apps = c.applications

    def of_apps(count: int) -> float | None:
        return count / apps if apps else None

    wrong_n = int(wrong.sum())
    bases = {
        "share_sanctioned": n,
        "median_years_sanctioned": n_sanctioned,
        "p95_years_sanctioned": n_sanctioned,
        "domains_per_sanctioned": n_sanctioned,
        "share_recovered": n_sanctioned,
        "share_wrongly_sanctioned": n,
        "median_months_to_correction": len(durations),
        "mean_months_to_correction": len(durations),
        "share_wrong_never_corrected": wrong_n,
        "auc": t.auc_positives,
        "disparity_ratio": min(int((sanctioned & prot).sum()), int((sanctioned & ~prot).sum())),
        "share_decided_without_report": apps,
        "share_applications_declined": apps,
        "share_declined_unseen_clear": apps,
        "share_approved_against_file": apps,
        "share_wrongly_declined": apps,
    }
    return RegimeMetrics(
        regime=run.regime.id,
        name=run.regime.name,
        kind=lab.scoring.kind,
        access_basis=lab.access_basis,
        categories_admitted=len(lab.admissible),
        categories_per_person=float(cats.mean()),
        data_points_per_person=float(points.mean()),
        share_sanctioned=n_sanctioned / n,
        median_years_sanctioned=_quantile(years, 0.5),
        p95_years_sanctioned=_quantile(years, 0.95),
        domains_per_sanctioned=float(domain_counts[sanctioned].mean()) if n_sanctioned else None,
        share_recovered=float((sanctioned & ~t.now).sum() / n_sanctioned) if n_sanctioned else None,
        share_wrongly_sanctioned=float(wrong.mean()),
        median_months_to_correction=_quantile(durations, 0.5),
        mean_months_to_correction=float(durations.mean()) if len(durations) else None,
        share_wrong_never_corrected=float((wrong & ~ended).sum() / wrong.sum())
        if wrong.any()
        else None,
        reproducible=lab.reproducible,
        auc=t.auc,
        disparity_ratio=s_prot / s_oth if s_oth > 0 else None,
        disparity_time_ratio=_ratio(t.days, prot),
        share_sanctioned_protected=s_prot,
        share_sanctioned_others=s_oth,
        notices_per_1000=c.notices * per_k,
        disputes_filed_per_1000=c.disputes_filed * per_k,
        disputes_upheld_per_1000=c.disputes_upheld * per_k,
        disputes_rejected_per_1000=c.disputes_rejected * per_k,
        applications_per_1000=apps * per_k,
        share_decided_without_report=of_apps(c.without_report),
        share_applications_declined=of_apps(c.declined),
        share_declined_unseen_clear=of_apps(c.declined_without_report_clear),
        share_approved_against_file=of_apps(c.approved_against_file),
        share_wrongly_declined=of_apps(c.wrongly_declined),
        errors_noticed_per_1000=c.errors_noticed * per_k,
        bases=bases,
        domain_shares=shares,
        series_sanctioned=t.series_sanctioned,
        series_wrong=t.series_wrong,
        band_names=list(t.band_names),
        bands_by_year=t.bands_by_year,
        share_rewarded=run.rewards.share_rewarded(),
        share_months_rewarded=run.rewards.share_of_months(),
        reward_domain_shares=run.rewards.domain_shares(),
        share_enrolled=float(enrolled.mean()),
        indicators_collected=ind.collected if (ind := lab.mechanisms.indicators) else None,
        indicators_per_person=indicators_per_person(lab, pop, enrolled),
        procedure_per_1000={
            "refused_unable": c.refused_unable * per_k,
            "refused_minor": c.refused_minor * per_k,
            "restored": c.restored * per_k,
        }
        if lab.procedure is not None
        else {},
    )


def steady_state_years(regimes: Sequence[Regime]) -> int:
    """Years after which every record any of these regimes holds has had time to expire once:
    the longest retention, recovery period, cap or listing term (with its extension)."""
    longest = 1.0
    for r in regimes:
        lab = r.require_lab()
        longest = max(longest, *lab.retention_years.values(), *lab.scoring.recovery_years.values())
        longest = max([longest] + [c.years for c in lab.scoring.caps])
        if lab.listing is not None:
            longest = max(longest, lab.listing.years + lab.listing.extension_years)
    return math.ceil(longest)


@dataclass(frozen=True)
class Lives:
    """A population and every month of its life, drawn once and kept.

    Why: runs that change only a regime's rules (a sensitivity screen of that regime's own
    assumptions) see the same lives, and drawing them again was most of such a run's time.
    All months stay in memory (tens of MB at 20,000 people), so this is for screens, not for
    the plain run, which streams one month at a time."""

    pop: Population
    months: tuple[MonthEvents, ...]


def draw_lives(population: int, seed: int, params: PopulationParams | None, months: int) -> Lives:
    pop = draw_population(population, seed, params)
    return Lives(pop, tuple(event_stream(pop, months)))


def compare(
    regimes: Sequence[Regime],
    population: int,
    years: int,
    seed: int,
    params: PopulationParams | None = None,
    progress: Progress | None = None,
    burn_in_years: int | None = None,
    lives: Lives | None = None,
) -> Comparison:
    """Draw the population, run it through every regime, and measure each.

    The first `burn_in_years` (default: `steady_state_years`) are simulated but not measured,
    so files are as full as the retention rules let them get, not empty at the start.
    `lives` (from `draw_lives` with the same size, seed, parameters and months) replaces the
    draw: the same numbers, without drawing them again.
    """
    if years < 1:
        raise ValueError("years: must be at least 1")
    burn = steady_state_years(regimes) if burn_in_years is None else burn_in_years
    if burn < 0:
        raise ValueError("burn-in: must not be negative")
    months = 12 * (years + burn)
    if lives is None:
        pop = draw_population(population, seed, params)
        stream: Iterable[MonthEvents] = event_stream(pop, months)
    else:
        pop, stream = lives.pop, lives.months
        same = params is None or params is pop.params
        if (pop.size, pop.seed, len(lives.months)) != (population, seed, months) or not same:
            raise ValueError("lives: drawn for another size, seed, parameters or length")
    runs = [start_run(r, pop, months, seed, 12 * burn) for r in regimes]
    joint = bundles(runs, pop, months, 12 * burn)
    held = _company_runs(runs, pop, months, seed, 12 * burn)
    company_life = event_stream(held[0][0].pop, months) if held else None
    # The regimes holding companies run them jointly too: an SPC-listed company's bank credit.
    company_joint = (
        bundles([c for c, _, _ in held], held[0][0].pop, months, 12 * burn) if held else []
    )
    for ev in stream:
        if company_life is not None:
            company_ev = next(company_life)
            for company_run, _, _ in held:
                company_run.step(company_ev)
            for bundle in company_joint:
                bundle.step(company_ev)
        for run in runs:
            run.step(ev)
        for bundle in joint:
            bundle.step(ev)
        if progress is not None:
            progress(1)
    metrics = [summarise(run, pop) for run in runs]
    comp = Comparison(seed, population, years, metrics, pop.params, list(regimes), None, burn)
    comp.joint = [bundle.summary() for bundle in joint]
    comp.companies = [
        company_metrics(run.regime.id, company_run, run, reach) for company_run, run, reach in held
    ]
    comp.company_joint = [bundle.summary() for bundle in company_joint]
    return comp


CompanyRun = tuple[LinearRun | ListRun, LinearRun | ListRun, RepresentativeReach | None]


def _company_runs(
    runs: Sequence[LinearRun | ListRun], pop: Population, months: int, seed: int, start: int
) -> list[CompanyRun]:
    """A run over the population's companies for each regime that holds companies, and the
    reach of a company's listing to its representative (wired into the people's run)."""
    companies = draw_companies(pop)
    if companies is None:
        return []
    held: list[CompanyRun] = []
    for run in runs:
        rule = run.lab.mechanisms.companies
        if rule is None or not rule.subjects:
            continue
        company_run = start_run(run.regime, companies.population, months, seed, start)
        reach = None
        if isinstance(run, ListRun) and isinstance(company_run, ListRun):
            reach = RepresentativeReach(
                rule, company_run, companies.representative, pop.size, start
            )
            run.representatives = reach
        held.append((company_run, run, reach))
    return held


def compare_replicates(
    regimes: Sequence[Regime],
    population: int,
    years: int,
    seed: int,
    replicates: int,
    params: PopulationParams | None = None,
    progress: Progress | None = None,
    burn_in_years: int | None = None,
) -> Comparison:
    """`replicates` independent runs (seeds seed, seed+1, ...): each its own population and
    dice. The first run's metrics stay in `regimes`; `estimates` holds each metric's mean and
    95% interval over the runs."""
    if replicates < 1:
        raise ValueError("replicates: must be at least 1")
    runs = [
        compare(regimes, population, years, seed + r, params, progress, burn_in_years)
        for r in range(replicates)
    ]
    first = runs[0]
    first.replicates = [c.regimes for c in runs]
    for i, m in enumerate(first.regimes):
        first.estimates[m.regime] = {
            name: estimate(
                [getattr(c.regimes[i], name) for c in runs],
                min(c.regimes[i].bases.get(name, population) for c in runs),
                metric_bounds(name),
            )
            for name in ESTIMATED
        }
    return first


# Every scalar metric that varies between runs.
ESTIMATED = [
    "categories_per_person",
    "data_points_per_person",
    "share_sanctioned",
    "median_years_sanctioned",
    "p95_years_sanctioned",
    "domains_per_sanctioned",
    "share_recovered",
    "share_wrongly_sanctioned",
    "median_months_to_correction",
    "mean_months_to_correction",
    "share_wrong_never_corrected",
    "auc",
    "disparity_ratio",
    "disparity_time_ratio",
    "share_sanctioned_protected",
    "share_sanctioned_others",
    "notices_per_1000",
    "disputes_filed_per_1000",
    "disputes_upheld_per_1000",
    "disputes_rejected_per_1000",
    "applications_per_1000",
    "share_decided_without_report",
    "share_applications_declined",
    "share_declined_unseen_clear",
    "share_approved_against_file",
    "share_wrongly_declined",
    "errors_noticed_per_1000",
    "share_rewarded",
    "share_months_rewarded",
    "share_enrolled",
    "indicators_per_person",
]
