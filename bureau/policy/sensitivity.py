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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bureau.policy.fanout import run_rows
from bureau.policy.lab import Lives, compare, draw_lives, steady_state_years
from bureau.policy.population import PopulationParams, parse_population_params
from bureau.policy.provenance import Provenance
from bureau.policy.reform import with_assumptions
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
    # Per regime and headline: {"indices": {factor: S1, S1_conf, ST, ST_conf}, "variance",
    # "noise_share"}; filled by sobol_indices after the screen.
    sobol: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    sobol_runs: int = 0
    sobol_samples: int = 0
    sobol_top: int = 0
    jobs: int = 1  # processes the runs are spread over: the wall time only, never the numbers

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
            "sobol_method": "Sobol indices (SALib, Saltelli sampling, first order and total) "
            "of each regime's top screened factors",
            "sobol_runs": self.sobol_runs,
            "sobol_samples": self.sobol_samples,
            "sobol_top": self.sobol_top,
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
    values: dict[str, dict[str, float | int]] = {}
    for factor, x in zip(factors, row, strict=True):
        values.setdefault(factor.owner, {})[factor.path] = (
            round(float(x)) if factor.integer else float(x)
        )
    note = "a sensitivity sample over the assumed range"
    changed = [
        parse_regime(with_assumptions(r.raw, values[r.id], note), r.source) if r.id in values else r
        for r in regimes
    ]
    pop_doc = population_doc
    if POPULATION in values:
        pop_doc = with_assumptions(population_doc, values[POPULATION], note)
    return changed, parse_population_params(pop_doc, source)


def _headlines(metrics: Any) -> dict[str, float]:
    return {m: float(v) if (v := getattr(metrics, m)) is not None else math.nan for m in HEADLINES}


Evaluate = Callable[[np.ndarray], dict[str, dict[str, float]]]


def _evaluator(
    screen: Screen,
    factors: Sequence[Factor],
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    source: str,
    burn_in_years: int | None,
) -> Evaluate:
    """One run per design row, at the screen's size and seed (common random numbers).

    Rows that differ only in regime rules live the same lives, so the lives are drawn once
    per set of population values and kept for the rows that follow (a Saltelli block of
    factors + 2 rows, or a whole Morris block of one regime's factors): drawing the lives was
    five sixths of a one-regime run. The burn-in is the baseline's in every row, so a sample
    that lengthens a retention period does not also change how long the screen warms up."""
    size, years, seed = screen.population, screen.years, screen.seed
    burn = steady_state_years(regimes) if burn_in_years is None else burn_in_years
    own = [i for i, f in enumerate(factors) if f.owner == POPULATION]
    reuse = len(own) < len(factors)  # some rows change regime rules alone
    kept: OrderedDict[tuple[float, ...], Lives] = OrderedDict()

    def run(row: np.ndarray) -> dict[str, dict[str, float]]:
        changed, params = _apply(factors, row, regimes, population_doc, source)
        lives = None
        if reuse:
            key = tuple(float(row[i]) for i in own)
            lives = kept.get(key)
            if lives is None:
                lives = kept[key] = draw_lives(size, seed, params, 12 * (years + burn))
                if len(kept) > len(factors) + 2:
                    kept.popitem(last=False)
            kept.move_to_end(key)
            params = lives.pop.params
        comp = compare(changed, size, years, seed, params, None, burn, lives)
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
    jobs: int = 1,
) -> Screen:
    """Morris elementary effects of every assumed factor on each regime's headline metrics,
    the runs spread over `jobs` processes (the numbers do not depend on it)."""
    params = parse_population_params(population_doc, population_source)
    chosen = list(factors) if factors is not None else assumed_factors(regimes, params)
    if not chosen:
        raise ValueError("sensitivity: no assumed parameter with a range to vary")
    screen = Screen(population, years, seed, trajectories, 0, chosen, jobs=jobs)
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
    varied = [f for f in factors if f is not dummy]
    run = _evaluator(screen, varied, regimes, population_doc, population_source, burn_in_years)
    width = len(block)
    rows = [row[:width] for row in design]
    # A chunk of a trajectory's length: a regime's block then draws its lives once a worker.
    outputs = run_rows(run, rows, jobs=screen.jobs, chunk=len(factors) + 1, progress=progress)
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


SOBOL_TOP = 4  # factors per regime given Sobol indices: the union of each headline's top ones
SOBOL_SAMPLES = 16  # Saltelli base samples (a power of two): samples x (factors + 2) runs


def sobol_factors(screen: Screen, regime: str, top: int = SOBOL_TOP) -> list[Factor]:
    """The factors the screen ranks highest for one regime: each headline's leader first,
    then each one's second, and so on, until `top` distinct factors are chosen. Factors the
    screen saw no effect of (mu* within twice the seed noise) are left out."""
    ranked = screen.effects.get(regime, {})
    chosen: list[str] = []
    depth = max((len(es) for es in ranked.values()), default=0)
    for k in range(depth):
        for metric, effects in ranked.items():
            noise = screen.noise.get(regime, {}).get(metric) or 0.0
            seen = k < len(effects) and effects[k].mu_star > 2 * noise
            if seen and effects[k].factor not in chosen and len(chosen) < top:
                chosen.append(effects[k].factor)
    by_name = {f.name: f for f in screen.factors}
    return [by_name[name] for name in chosen]


def sobol_indices(
    screen: Screen,
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    regime: str,
    *,
    top: int = SOBOL_TOP,
    samples: int = SOBOL_SAMPLES,
    burn_in_years: int | None = None,
    factors: Sequence[Factor] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """First-order (S1) and total (ST) Sobol indices, with SALib's 95% half-widths, of the
    screen's top factors on each headline metric of one regime (the other factors held at
    their values). The regime runs alone, since no other regime's run changes its metrics;
    samples x (factors + 2) runs, all with the screen's seed (common random numbers).

    Beside the indices: the variance of the metric across the samples and the seed noise's
    share of it (noise SD squared over that variance), so an index on a metric the factors
    barely move next to the dice is read as such."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    chosen = list(factors) if factors is not None else sobol_factors(screen, regime, top)
    screen.sobol_top, screen.sobol_samples = top, samples
    out: dict[str, dict[str, Any]] = {}
    if not chosen:
        screen.sobol[regime] = out
        return out
    # SALib needs two factors; a lone one is analysed beside a dummy that does nothing.
    dummy = Factor("dummy", "no effect", 0.0, 0.0, 1.0, False)
    analysed = chosen if len(chosen) > 1 else [*chosen, dummy]
    problem = _problem(analysed)
    design = sobol_sample.sample(problem, samples, calc_second_order=False, seed=screen.seed)
    alone = [r for r in regimes if r.id == regime]
    run = _evaluator(screen, chosen, alone, population_doc, population_source, burn_in_years)
    rows = [row[: len(chosen)] for row in design]
    # A chunk of one Saltelli block (A, the mixed rows, B): the rows that share lives.
    runs = run_rows(run, rows, jobs=screen.jobs, chunk=len(analysed) + 2, progress=progress)
    outputs = [r[regime] for r in runs]
    for metric in HEADLINES:
        y = np.array([o[metric] for o in outputs])
        if not np.isfinite(y).all():
            continue  # undefined in some sample: not analysed
        variance = float(np.var(y, ddof=1))
        noise = screen.noise.get(regime, {}).get(metric)
        indices: dict[str, dict[str, float]] = {}
        if variance > 0:
            result = sobol_analyze.analyze(
                problem, y, calc_second_order=False, seed=screen.seed, print_to_console=False
            )
            for i, name in enumerate(problem["names"]):
                if name != dummy.name:
                    indices[name] = {
                        key: float(result[key][i]) for key in ("S1", "S1_conf", "ST", "ST_conf")
                    }
        out[metric] = {
            "indices": dict(sorted(indices.items(), key=lambda kv: (-kv[1]["ST"], kv[0]))),
            "variance": variance,
            "noise_share": None if noise is None or variance == 0 else noise**2 / variance,
        }
    screen.sobol[regime] = out
    screen.sobol_runs += len(design)
    return out


def sobol_ranking(screen: Screen, regime: str, metric: str) -> list[str]:
    """The factors of one regime's metric by total Sobol index, largest first."""
    return list(screen.sobol.get(regime, {}).get(metric, {}).get("indices", {}))


def sobol_all(
    screen: Screen,
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    *,
    top: int = SOBOL_TOP,
    samples: int = SOBOL_SAMPLES,
    burn_in_years: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Screen:
    """Sobol indices of each regime's top factors, after the Morris screen."""
    for regime in regimes:
        sobol_indices(
            screen,
            regimes,
            population_doc,
            population_source,
            regime.id,
            top=top,
            samples=samples,
            burn_in_years=burn_in_years,
            progress=progress,
        )
    return screen


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
