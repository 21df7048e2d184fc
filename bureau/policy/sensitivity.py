"""Global sensitivity: which assumed parameters move each headline metric, and by how much.

Why Morris first and Sobol only on the few that matter: a regime set has well over a hundred
assumed values; Morris elementary effects rank them all at (k + 1) runs per trajectory, and
Sobol's variance shares (which also separate interactions) are affordable only for the handful
the screen puts on top. Both come from SALib (a maintained implementation; see pyproject.toml).

Every run of a screen uses the same seed (common random numbers), so an effect is the
parameter's and not the dice's; the baseline is also run over a few seeds, and that replicate
spread is reported beside each effect, so an effect smaller than the noise is read as none.
A factor is one assumed number with a range (`provenance.range`), in a regime or in the
population file; a regime's metrics do not depend on another regime's factors, so those
effects are exactly zero and rank last.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bureau.policy.lab import compare
from bureau.policy.population import PopulationParams, parse_population_params
from bureau.policy.provenance import Provenance
from bureau.policy.reform import with_assumption
from bureau.policy.regime import Regime, parse_regime

HEADLINES = (
    "share_sanctioned",
    "share_wrongly_sanctioned",
    "share_wrong_never_corrected",
    "auc",
    "disparity_ratio",
)
POPULATION = "population"
LEVELS = 4  # Morris grid levels: the usual choice for a screen of this size


@dataclass(frozen=True)
class Factor:
    """One assumed number varied over its plausible range."""

    owner: str  # a regime id, or "population"
    path: str
    value: float
    low: float
    high: float
    integer: bool

    @property
    def name(self) -> str:
        return f"{self.owner}:{self.path}"


@dataclass(frozen=True)
class Effect:
    factor: str
    mu_star: float  # mean absolute elementary effect, in the metric's unit over the whole range
    mu_star_conf: float  # its 95% bootstrap half-width
    sigma: float  # spread of the effects: non-linearity or interactions


@dataclass
class Screen:
    """A Morris screen's result: per regime and headline metric, the factors ranked."""

    population: int
    years: int
    seed: int
    trajectories: int
    runs: int
    factors: list[Factor]
    effects: dict[str, dict[str, list[Effect]]] = field(default_factory=dict)
    noise: dict[str, dict[str, float | None]] = field(default_factory=dict)
    baseline: dict[str, dict[str, float | None]] = field(default_factory=dict)
    sobol: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": "Morris elementary effects (SALib), common random numbers",
            "population": self.population,
            "years": self.years,
            "seed": self.seed,
            "trajectories": self.trajectories,
            "runs": self.runs,
            "factors": [f.__dict__ for f in self.factors],
            "effects": {
                r: {m: [e.__dict__ for e in es] for m, es in ms.items()}
                for r, ms in self.effects.items()
            },
            "noise_sd": self.noise,
            "baseline": self.baseline,
            "sobol": self.sobol,
        }


def _numeric_range(entry: Provenance) -> tuple[float, float] | None:
    if entry.status == "sourced" or entry.range is None:
        return None
    if not isinstance(entry.value, int | float) or isinstance(entry.value, bool):
        return None
    low, high = entry.range
    return (low, high) if high > low else None


def assumed_factors(regimes: Sequence[Regime], params: PopulationParams) -> list[Factor]:
    """Every assumed number with a non-empty range, in the regimes and the population file."""
    out: list[Factor] = []
    owners: list[tuple[str, dict[str, Provenance]]] = [
        (r.id, r.require_lab().provenance) for r in regimes
    ]
    owners.append((POPULATION, params.provenance))
    for owner, provenance in owners:
        for path, entry in sorted(provenance.items()):
            span = _numeric_range(entry)
            if span is not None:
                integer = isinstance(entry.value, int)
                out.append(Factor(owner, path, float(entry.value), *span, integer))
    return out


def _apply(
    factors: Sequence[Factor],
    row: np.ndarray,
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    source: str,
) -> tuple[list[Regime], PopulationParams]:
    docs = {r.id: r.raw for r in regimes}
    pop_doc = population_doc
    for factor, x in zip(factors, row, strict=True):
        value: float | int = round(float(x)) if factor.integer else float(x)
        note = "a sensitivity sample over the assumed range"
        if factor.owner == POPULATION:
            pop_doc = with_assumption(pop_doc, factor.path, value, note)
        else:
            docs[factor.owner] = with_assumption(docs[factor.owner], factor.path, value, note)
    changed = [parse_regime(docs[r.id], r.source) for r in regimes]
    return changed, parse_population_params(pop_doc, source)


def _headlines(metrics: Any) -> dict[str, float]:
    return {m: float(v) if (v := getattr(metrics, m)) is not None else math.nan for m in HEADLINES}


Evaluate = Callable[[np.ndarray], dict[str, dict[str, float]]]


def _evaluator(
    factors: Sequence[Factor],
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    source: str,
    population: int,
    years: int,
    seed: int,
    burn_in_years: int | None,
) -> Evaluate:
    def run(row: np.ndarray) -> dict[str, dict[str, float]]:
        changed, params = _apply(factors, row, regimes, population_doc, source)
        comp = compare(changed, population, years, seed, params, burn_in_years=burn_in_years)
        return {m.regime: _headlines(m) for m in comp.regimes}

    return run


def _problem(factors: Sequence[Factor]) -> dict[str, Any]:
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def morris_screen(
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    *,
    population: int = 20_000,
    years: int = 10,
    seed: int = 1,
    trajectories: int = 4,
    noise_replicates: int = 3,
    burn_in_years: int | None = None,
    factors: Sequence[Factor] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Screen:
    """Morris elementary effects of every assumed factor on each regime's headline metrics."""
    params = parse_population_params(population_doc, population_source)
    chosen = list(factors) if factors is not None else assumed_factors(regimes, params)
    if not chosen:
        raise ValueError("sensitivity: no assumed parameter with a range to vary")
    screen = Screen(population, years, seed, trajectories, 0, chosen)
    for regime in regimes:
        screen.effects[regime.id] = {m: [] for m in HEADLINES}
    # A regime's factors move only that regime, so each is screened with that regime alone;
    # the population's move every regime, so they are screened with all of them at once.
    blocks: list[tuple[list[Factor], list[Regime]]] = [
        ([f for f in chosen if f.owner == POPULATION], list(regimes))
    ]
    blocks += [([f for f in chosen if f.owner == r.id], [r]) for r in regimes]
    for block, ran in blocks:
        if not block:
            continue
        screen.runs += _screen_block(
            screen, block, ran, population_doc, population_source, burn_in_years, progress
        )
    for by_metric in screen.effects.values():
        for effects in by_metric.values():
            effects.sort(key=lambda e: (-e.mu_star, e.factor))
    seeds = [
        compare(regimes, population, years, seed + k, params, burn_in_years=burn_in_years)
        for k in range(max(noise_replicates, 1))
    ]
    for i, regime in enumerate(regimes):
        values = [_headlines(c.regimes[i]) for c in seeds]
        screen.baseline[regime.id] = {m: _finite(values[0][m]) for m in HEADLINES}
        screen.noise[regime.id] = {
            m: _sd([v[m] for v in values]) if len(values) > 1 else None for m in HEADLINES
        }
    return screen


def _screen_block(
    screen: Screen,
    block: list[Factor],
    regimes: list[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    burn_in_years: int | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Morris over one block of factors; adds each regime's effects and returns the runs."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    # SALib's Morris needs two factors; a lone one is screened beside a dummy that does nothing.
    dummy = Factor("dummy", "no effect", 0.0, 0.0, 1.0, False)
    factors = block if len(block) > 1 else [*block, dummy]
    problem = _problem(factors)
    design = morris_sample.sample(problem, screen.trajectories, num_levels=LEVELS, seed=screen.seed)
    run = _evaluator(
        [f for f in factors if f is not dummy],
        regimes,
        population_doc,
        population_source,
        screen.population,
        screen.years,
        screen.seed,
        burn_in_years,
    )
    width = len(block)
    outputs = []
    for row in design:
        outputs.append(run(row[:width]))
        if progress is not None:
            progress(1)
    for regime in regimes:
        for metric in HEADLINES:
            y = np.array([o[regime.id][metric] for o in outputs])
            if not np.isfinite(y).all():
                continue  # undefined in some sample (no one sanctioned, say): not ranked
            result = morris_analyze.analyze(
                problem, design, y, num_levels=LEVELS, seed=screen.seed, print_to_console=False
            )
            for name, mu, conf, sd in zip(
                problem["names"],
                result["mu_star"],
                result["mu_star_conf"],
                result["sigma"],
                strict=True,
            ):
                if name != dummy.name:
                    screen.effects[regime.id][metric].append(
                        Effect(name, float(mu), float(conf), float(sd))
                    )
    return len(design)


def sobol_indices(
    screen: Screen,
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    regime: str,
    metric: str,
    *,
    top: int = 3,
    samples: int = 8,
    burn_in_years: int | None = None,
) -> dict[str, float]:
    """First-order and total Sobol indices of the screen's `top` factors for one regime's
    metric (the others held at their values); `samples` (a power of two) sets the cost,
    samples * (2 * top + 2) runs."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    ranked = [e.factor for e in screen.effects[regime][metric][:top]]
    chosen = [f for f in screen.factors if f.name in ranked]
    problem = _problem(chosen)
    design = sobol_sample.sample(problem, samples, calc_second_order=False, seed=screen.seed)
    run = _evaluator(
        chosen,
        regimes,
        population_doc,
        population_source,
        screen.population,
        screen.years,
        screen.seed,
        burn_in_years,
    )
    y = np.array([run(row)[regime][metric] for row in design])
    result = sobol_analyze.analyze(
        problem, y, calc_second_order=False, seed=screen.seed, print_to_console=False
    )
    out: dict[str, float] = {}
    for name, s1, st in zip(problem["names"], result["S1"], result["ST"], strict=True):
        out[f"{name} S1"] = float(s1)
        out[f"{name} ST"] = float(st)
    screen.sobol.setdefault(regime, {})[metric] = out
    return out


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _sd(xs: Sequence[float]) -> float | None:
    ys = [x for x in xs if math.isfinite(x)]
    if len(ys) < 2:
        return None
    mean = math.fsum(ys) / len(ys)
    return math.sqrt(math.fsum((y - mean) ** 2 for y in ys) / (len(ys) - 1))


def verdict(mu_star: float, noise: float | None, baseline: float | None) -> str:
    """A plain reading of one effect: within twice the seed noise it is no effect we can see;
    at least half the metric's baseline value, the assumption can change the conclusion."""
    if mu_star <= 2 * (noise or 0.0):
        return "within seed noise"
    if baseline is not None and mu_star >= 0.5 * abs(baseline):
        return "can move it by half its value or more"
    return "moves it by less than half its value"


def verdicts(screen: Screen, regime: str, metric: str, top: int = 5) -> list[tuple[Effect, str]]:
    """The top factors of one regime's metric, each with its verdict."""
    noise = screen.noise.get(regime, {}).get(metric)
    base = screen.baseline.get(regime, {}).get(metric)
    return [
        (effect, verdict(effect.mu_star, noise, base))
        for effect in screen.effects.get(regime, {}).get(metric, [])[:top]
    ]
