"""Drawing a population's companies and their legal representatives (companies.py says why).

Why apart from companies.py: the companies are drawn as a Population of their own, so this
module needs population.py, which itself reads the `[companies]` table through companies.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bureau.policy.population import Population, PopulationParams

# The events a company has; every other event is a person's conduct and stays at rate 0.
# Seed 004 lists companies for unpaid loans, taxes or fines: fines are administrative penalties.
COMPANY_EVENTS = (
    "late_payment",
    "default",
    "inquiry",
    "judgment_unperformed",
    "tax_arrears",
    "administrative_penalty",
)
LISTING_EVENT = "judgment_unperformed"


def company_params(params: PopulationParams) -> PopulationParams:
    """The event rates companies draw from: the people's financial ones, no conduct events,
    and unperformed judgments at the rate that gives the sourced ratio of new listings."""
    spec = params.companies
    assert spec is not None
    events = {
        name: rate if name in COMPANY_EVENTS else dataclasses.replace(rate, rate=0.0, spread=0.0)
        for name, rate in params.events.items()
    }
    # A person enters a list on an unperformed judgment, or on a default that goes to court.
    via_default = params.events["default"].rate * params.from_default_share
    person_rate = params.events[LISTING_EVENT].rate + via_default
    company_rate = max(spec.listing_rate_ratio * person_rate - via_default, 0.0)
    events[LISTING_EVENT] = dataclasses.replace(events[LISTING_EVENT], rate=min(company_rate, 12))
    return dataclasses.replace(params, events=events, defined_events={}, companies=None)


@dataclass
class Companies:
    """The companies, as a population of subjects, and each one's legal representative."""

    population: Population
    representative: NDArray[np.int64]  # index into the people

    @property
    def size(self) -> int:
        return self.population.size


def draw_companies(people: Population) -> Companies | None:
    """The population's companies (None when its file has no `[companies]` table)."""
    spec = people.params.companies
    if spec is None:
        return None
    size = min(round(spec.per_person * people.size), people.size)
    if size < 1:
        return None
    rng = np.random.default_rng(np.random.SeedSequence([people.seed, 5]))
    representative = np.sort(rng.choice(people.size, size, replace=False)).astype(np.int64)

    def normal() -> NDArray[np.float32]:
        return rng.standard_normal(size, dtype=np.float32)

    c = np.float32(spec.representative_risk_correlation)
    risk = c * people.risk[representative] + np.sqrt(1 - c * c) * normal()
    companies = dataclasses.replace(
        people,
        params=company_params(people.params),
        seed=people.seed + 1_000_003,  # its own life: the people's draws stay as they were
        protected=np.zeros(size, bool),
        risk=risk.astype(np.float32),
        conduct=normal(),
        income=normal(),
        education=normal(),
        social=normal(),
        history=normal(),
        accounts=(1 + rng.poisson(2.5, size)).astype(np.int16),
        frozen=np.zeros(size, bool),
        own={},
    )
    return Companies(companies, representative)
