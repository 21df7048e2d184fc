"""One population through every regime, and the comparison metrics.

Why months outside and regimes inside: the population's month of life is drawn once and handed
to each regime in turn, so memory stays at one month of events and every regime sees exactly
the same lives (same seed, same numbers, whatever the set of regimes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS
from bureau.policy.engine import LinearRun, ListRun, start_run
from bureau.policy.population import (
    Population,
    PopulationParams,
    draw_population,
    event_stream,
)
from bureau.policy.regime import Regime, builtin_names, load_regime

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
    domain_shares: dict[str, float] = field(default_factory=dict)
    series_sanctioned: list[float] = field(default_factory=list)
    series_wrong: list[float] = field(default_factory=list)
    band_names: list[str] = field(default_factory=list)
    bands_by_year: list[list[float]] = field(default_factory=list)


@dataclass
class Comparison:
    seed: int
    population: int
    years: int
    regimes: list[RegimeMetrics]
    population_params: PopulationParams
    regime_objects: list[Regime]
    realdata: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "population": self.population,
            "years": self.years,
            "regimes": [asdict(m) for m in self.regimes],
            "realdata": self.realdata,
            "population_params": {
                k: v for k, v in asdict(self.population_params).items() if k != "provenance"
            },
        }


def resolve_regimes(spec: Sequence[str]) -> list[Regime]:
    """`all`, built-in ids, or paths to regime files (a researcher's edited copy)."""
    names: list[str | Path] = []
    for item in spec:
        for part in str(item).split(","):
            part = part.strip()
            if part == "all":
                names.extend(builtin_names())
            elif part:
                names.append(part)
    regimes = [load_regime(n) for n in names]
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
        domain_shares=shares,
        series_sanctioned=t.series_sanctioned,
        series_wrong=t.series_wrong,
        band_names=list(t.band_names),
        bands_by_year=t.bands_by_year,
    )


def compare(
    regimes: Sequence[Regime],
    population: int,
    years: int,
    seed: int,
    params: PopulationParams | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Draw the population, run it through every regime, and measure each."""
    if years < 1:
        raise ValueError("years: must be at least 1")
    pop = draw_population(population, seed, params)
    months = 12 * years
    runs = [start_run(r, pop, months, seed) for r in regimes]
    for ev in event_stream(pop, months):
        for run in runs:
            run.step(ev)
        if progress is not None:
            progress(1)
    metrics = [summarise(run, pop) for run in runs]
    return Comparison(seed, population, years, metrics, pop.params, list(regimes))
