"""The sensitivity screen varies every assumed number of the newer mechanisms, and reaches them.

Rewards, opt-in, opacity, domain reach, joint punishment, indicators, companies and point
budgets (mechanisms.py, budgets.py, representatives.py) and the population's companies
(companies.py): an assumed number there without a range would never be screened, and one whose
screened value never reached the simulator would be screened for nothing.
"""

from __future__ import annotations

import numpy as np

from bureau.policy.lab import resolve_regimes
from bureau.policy.population import load_population_params, population_document
from bureau.policy.provenance import Provenance
from bureau.policy.schema import MECHANISM_ROOTS
from bureau.policy.sensitivity import POPULATION, _apply, assumed_factors

NEW_REGIME_ROOTS = (*MECHANISM_ROOTS, "budgets")
NEW_POPULATION_ROOTS = ("companies", "event_types")


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def test_every_assumed_number_of_the_new_mechanisms_is_a_factor_of_the_screen() -> None:
    regimes = resolve_regimes(["all"])
    params = load_population_params()
    names = {f.name for f in assumed_factors(regimes, params)}
    owners: list[tuple[str, dict[str, Provenance], tuple[str, ...]]] = [
        (r.id, r.require_lab().provenance, NEW_REGIME_ROOTS) for r in regimes
    ]
    owners.append((POPULATION, params.provenance, NEW_POPULATION_ROOTS))
    checked = 0
    for owner, provenance, roots in owners:
        for path, entry in provenance.items():
            if path.split(".")[0] not in roots or entry.status == "sourced":
                continue
            if not _numeric(entry.value):
                continue  # a list of domains or a flag: a choice, not a number to vary
            fixed = entry.range is not None and entry.range[0] == entry.range[1]
            assert fixed or f"{owner}:{path}" in names, f"{owner}:{path} is not screened"
            checked += 1
    assert checked >= 9  # take-up, opacity, reach, joint days, indicators, companies


def test_each_new_mechanism_factor_changes_what_the_simulator_reads() -> None:
    regimes = resolve_regimes(["all"])
    doc, source = population_document()
    params = load_population_params()
    roots = (*NEW_REGIME_ROOTS, *NEW_POPULATION_ROOTS)
    factors = [f for f in assumed_factors(regimes, params) if f.path.split(".")[0] in roots]
    assert {f.path.split(".")[0] for f in factors} >= {
        "participation", "opacity", "domain_reach", "joint", "indicators", "companies",
    }  # fmt: skip
    for factor in factors:
        seen: list[object] = []
        for value in (factor.low, factor.high):
            changed, pop = _apply([factor], np.array([value]), regimes, doc, source)
            if factor.owner == POPULATION:
                seen.append(pop.companies)
            else:
                lab = next(r for r in changed if r.id == factor.owner).require_lab()
                seen.append((lab.mechanisms, lab.budgets))
        assert seen[0] != seen[1], factor.name
