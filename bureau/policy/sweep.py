"""`--sweep PATH=LO:HI:STEPS`: one parameter moved across a range, every regime run at each point.

Why beside the sensitivity screen: the screen says which assumption matters; a sweep shows how
a headline answers it, point by point, so a reader sees where a conclusion flips. Each point is
a what-if with its own provenance (`with_assumption`), run over independent replicates, so each
point carries its 95% interval; the same seeds are used at every point (common random numbers),
so the change from point to point is the parameter's and not the dice's.

The path names a value in the population file (it moves every regime) or in the regimes
(`events.default.rate`, `dispute.file_share_per_year`); a regime id before a colon
(`fcra-us:dispute.resolve_days`) limits it to that regime. A regime that lacks the path runs
unchanged at every point, and the result says which regimes the sweep reached.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bureau.policy.lab import compare_replicates
from bureau.policy.population import parse_population_params
from bureau.policy.provenance import value_at
from bureau.policy.reform import with_assumption
from bureau.policy.regime import Regime, RegimeError, parse_regime
from bureau.policy.sensitivity import HEADLINES, POPULATION

FLAG = "--sweep"
MAX_STEPS = 50


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep: an optional owner (a regime id), a dotted path, and the points."""

    owner: str | None
    path: str
    low: float
    high: float
    steps: int

    @property
    def name(self) -> str:
        return f"{self.owner}:{self.path}" if self.owner else self.path


def parse_sweep(text: str) -> SweepSpec:
    """`[regime:]PATH=LO:HI:STEPS`; a malformed one is refused naming the flag and the reason."""
    target, sep, span = text.partition("=")
    if not sep or not target.strip():
        raise RegimeError("command line", FLAG, "expected PATH=LO:HI:STEPS")
    owner, colon, path = target.strip().rpartition(":")
    parts = span.split(":")
    if len(parts) != 3:
        raise RegimeError("command line", FLAG, "expected PATH=LO:HI:STEPS (three numbers)")
    try:
        low, high = float(parts[0]), float(parts[1])
        steps = int(parts[2])
    except ValueError:
        reason = "LO and HI must be numbers, STEPS a whole number"
        raise RegimeError("command line", FLAG, reason) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise RegimeError("command line", FLAG, "LO must be below HI")
    if not 2 <= steps <= MAX_STEPS:
        raise RegimeError("command line", FLAG, f"STEPS must be between 2 and {MAX_STEPS}")
    return SweepSpec(owner if colon else None, path, low, high, steps)


def _points(spec: SweepSpec, integer: bool) -> list[float | int]:
    width = (spec.high - spec.low) / (spec.steps - 1)
    xs = [spec.low + k * width for k in range(spec.steps)]
    if integer:
        return sorted({round(x) for x in xs})
    return [round(x, 12) for x in xs]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _targets(
    spec: SweepSpec, regimes: Sequence[Regime], population_doc: dict[str, Any]
) -> tuple[bool, list[Regime], bool]:
    """Whether the population file holds the path, which regimes do, and whether it is whole."""
    ids = {r.id for r in regimes}
    if spec.owner is not None and spec.owner not in ids | {POPULATION}:
        raise RegimeError("command line", FLAG, f"{spec.owner!r} is not a regime in this run")
    found, current = value_at(population_doc, spec.path)
    in_population = spec.owner in (None, POPULATION) and found and _is_number(current)
    values = [current] if in_population else []
    reached: list[Regime] = []
    if not in_population and spec.owner != POPULATION:
        for r in regimes:
            if spec.owner not in (None, r.id):
                continue
            there, value = value_at(r.raw, spec.path)
            if there and _is_number(value):
                reached.append(r)
                values.append(value)
    if not values:
        raise RegimeError(
            "command line", FLAG, f"no number at {spec.path!r} in the population or the regimes"
        )
    return in_population, reached, all(isinstance(v, int) for v in values)


Progress = Callable[[int], None]


def run_sweep(
    spec: SweepSpec,
    regimes: Sequence[Regime],
    population_doc: dict[str, Any],
    population_source: str,
    *,
    population: int,
    years: int,
    seed: int,
    replicates: int,
    burn_in_years: int | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Every regime at each point of the sweep: the headline metrics' means and 95% intervals
    over `replicates` seeds (seed, seed+1, ...), and the people each rests on."""
    if replicates < 2:
        raise RegimeError("command line", "--sweep-replicates", "must be at least 2 (intervals)")
    in_population, reached, integer = _targets(spec, regimes, population_doc)
    points = _points(spec, integer)
    note = f"a sweep of {spec.name} from {spec.low:g} to {spec.high:g}"
    span = (spec.low, spec.high)
    # Every point is built (and so validated) before any is run: a value out of bounds is
    # refused naming the parameter, not discovered half-way.
    builds: list[tuple[list[Regime], Any]] = []
    reached_ids = {r.id for r in reached}
    for x in points:
        pop_doc = population_doc
        if in_population:
            pop_doc = with_assumption(population_doc, spec.path, x, note, span)
        changed = [
            parse_regime(with_assumption(r.raw, spec.path, x, note, span), r.source)
            if r.id in reached_ids
            else r
            for r in regimes
        ]
        builds.append((changed, parse_population_params(pop_doc, population_source)))
    out: dict[str, Any] = {
        "parameter": spec.name,
        "path": spec.path,
        "values": points,
        "applies_to": ["every regime (population file)"]
        if in_population
        else [r.id for r in reached],
        "population": population,
        "years": years,
        "seed": seed,
        "replicates": replicates,
        "steps": spec.steps,
        "low": spec.low,
        "high": spec.high,
        "points": {r.id: {m: [] for m in HEADLINES} for r in regimes},
    }
    for changed, params in builds:
        comp = compare_replicates(
            changed, population, years, seed, replicates, params, progress, burn_in_years
        )
        for m in comp.regimes:
            for metric in HEADLINES:
                est = comp.estimates[m.regime][metric]
                out["points"][m.regime][metric].append(
                    {"mean": est.mean, "low": est.low, "high": est.high, "base": est.base}
                )
    return out
