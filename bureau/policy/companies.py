"""Companies as a second kind of subject, each with a legal representative among the people.

Why: the SPC list and the PBOC centre hold companies as well as people (seed 004: in September
2018 CreditChina showed 228,000 people and 55,000 companies newly listed for unpaid loans, taxes
or fines; seed 002: the PBOC centre held ~26 million companies beside 990 million people), and
a company's listing restricts its senior staff's consumption (seed 003). So the population
file's `[companies]` table draws companies beside the people:

    [companies]
    per_person = 0.026                     # companies per person (seed 002)
    listing_ratio = 0.241                  # companies newly listed per person newly listed (004)
    representative_risk_correlation = 0.5  # a company's repayment risk vs its representative's

A company lives the people's financial life (late payments, defaults, applications, tax
arrears, fines, court judgments) at the people's rates, except unperformed judgments, whose rate is
set so that companies enter a list `listing_ratio / per_person` times as often per head as
people do: the sourced ratio of new listings. It has no conduct events (a company does not
litter). Each company's representative is a different person, drawn at random
(company_population.py draws them).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

KEYS = ("per_person", "listing_ratio", "representative_risk_correlation")


@dataclass(frozen=True)
class CompanyParams:
    per_person: float
    listing_ratio: float
    representative_risk_correlation: float

    @property
    def listing_rate_ratio(self) -> float:
        """New listings per company over new listings per person (the sourced flow ratio)."""
        return self.listing_ratio / self.per_person


def companies_table(
    doc: dict[str, Any], keys: Collection[str], problems: list[tuple[str, str]]
) -> dict[str, Any] | None:
    """A document's `[companies]` table (None when absent), its unknown keys reported; the
    population file's and a regime file's share the name and are read the same way."""
    table = doc.get("companies")
    if table is None:
        return None
    if not isinstance(table, dict):
        problems.append(("companies", "expected a table"))
        return None
    for key in table:
        if key not in keys:
            problems.append((f"companies.{key}", "unknown field"))
    return table


def parse_companies(doc: dict[str, Any], problems: list[tuple[str, str]]) -> CompanyParams | None:
    """The `[companies]` table (absent: no companies); each problem names the field."""
    table = companies_table(doc, KEYS, problems)
    if table is None:
        return None
    bounds = {
        "per_person": (0.0, 1.0),
        "listing_ratio": (0.0, 1.0),
        "representative_risk_correlation": (-1.0, 1.0),
    }
    values: dict[str, float] = {}
    for key, (lo, hi) in bounds.items():
        value = table.get(key)
        path = f"companies.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            problems.append((path, "missing" if value is None else f"not a number: {value!r}"))
            values[key] = lo
            continue
        if not lo <= value <= hi:
            problems.append((path, f"must be between {lo:g} and {hi:g}, got {value!r}"))
        values[key] = float(value)
    if values["per_person"] <= 0 and "per_person" in table:
        problems.append(
            ("companies.per_person", "must be above 0 (leave out [companies] for none)")
        )
        return None
    return CompanyParams(**values)


@dataclass
class CompanyMetrics:
    """What a regime did to the companies it holds, and through them to their representatives."""

    regime: str
    companies: int
    share_sanctioned: float  # companies restricted at some measured time
    share_wrongly_sanctioned: float
    median_years_sanctioned: float | None
    # Companies ever sanctioned per person ever sanctioned on their own record (seed 004's
    # new listings: 55,000 companies to 228,000 people, 0.24).
    companies_per_person_sanctioned: float | None
    share_people_reached: float  # people restricted through their company
    share_people_only_through_company: float

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def company_metrics(
    regime_id: str, companies: Any, people: Any, reach: Any | None
) -> CompanyMetrics:
    """The metrics of a finished company run and the people's run of the same regime (their
    `tracker`s) and, where listings reach representatives, of that reach
    (representatives.RepresentativeReach)."""
    t = companies.tracker
    sanctioned = t.ever
    years = t.days[sanctioned] / 365.0
    own = int((reach.own_ever if reach is not None else people.tracker.ever).sum())
    return CompanyMetrics(
        regime=regime_id,
        companies=len(sanctioned),
        share_sanctioned=float(sanctioned.mean()),
        share_wrongly_sanctioned=float(t.wrong_ever.mean()),
        median_years_sanctioned=float(np.median(years)) if len(years) else None,
        companies_per_person_sanctioned=int(sanctioned.sum()) / own if own else None,
        share_people_reached=reach.share_restricted() if reach is not None else 0.0,
        share_people_only_through_company=(
            reach.share_only_through_company() if reach is not None else 0.0
        ),
    )
