"""A company's listing reaching its legal representative, under the regime that lists it.

Why a rule of its own: the 2016 joint-punishment measures cover legal persons as well as
natural ones, and where a company is listed its senior staff face the consumption
restrictions (flights and high-speed rail, star hotels and holidays, fee-paying schools for
their children, buying or renovating a home, cars: seed 003). So a regime that holds companies says,
in its `[companies]` table, which domains a company's listing restricts for its representative
and on what schedule:

    [companies]
    subjects = true                                     # the regime holds companies
    representative_domains = ["travel", "housing", "schooling", "consumption"]
    representative_delay_days = 0                       # from the company's listing
    representative_lift_days = 0                        # after the company's listing ends

Only a list regime's listing reaches a representative (a score has no listing to follow).
The representative's own standing is untouched; the run adds the restriction to what the
regime does to that person, and counts who was restricted only through their company.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS
from bureau.policy.companies import companies_table
from bureau.policy.spells import Spell, covered_days

Problems = list[tuple[str, str]]
KEYS = {
    "subjects",
    "representative_domains",
    "representative_delay_days",
    "representative_lift_days",
}


@dataclass(frozen=True)
class CompanyRule:
    """A regime's treatment of companies (its `[companies]` table)."""

    subjects: bool
    representative_domains: frozenset[str]
    delay_days: int
    lift_days: int


def _days(table: dict[str, Any], key: str, problems: Problems) -> int:
    value = table.get(key, 0)
    path = f"companies.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        problems.append((path, f"expected a number of days, got {value!r}"))
        return 0
    if value < 0:
        problems.append((path, f"must be at least 0, got {value!r}"))
        return 0
    return round(value)


def parse_company_rule(doc: dict[str, Any], problems: Problems) -> CompanyRule | None:
    """The regime's `[companies]` table (absent: the regime holds no companies)."""
    table = companies_table(doc, KEYS, problems)
    if table is None:
        return None
    subjects = table.get("subjects")
    if not isinstance(subjects, bool):
        problems.append(("companies.subjects", "expected true or false"))
        subjects = False
    raw = table.get("representative_domains", [])
    domains: frozenset[str] = frozenset()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        problems.append(("companies.representative_domains", "expected a list of domain names"))
    else:
        for name in raw:
            if name not in DOMAINS:
                problems.append(("companies.representative_domains", f"unknown domain {name!r}"))
        domains = frozenset(v for v in raw if v in DOMAINS)
    kind = doc.get("scoring", {}).get("kind") if isinstance(doc.get("scoring"), dict) else None
    if domains and kind != "list":
        problems.append(
            (
                "companies.representative_domains",
                "only a list regime's listing reaches a representative (scoring.kind is not 'list')",
            )
        )
    if domains and not subjects:
        problems.append(("companies.representative_domains", "needs companies.subjects = true"))
    return CompanyRule(
        subjects=subjects,
        representative_domains=domains,
        delay_days=_days(table, "representative_delay_days", problems),
        lift_days=_days(table, "representative_lift_days", problems),
    )


class Listings(Protocol):
    """What a list run exposes per subject: listing start and end days, and false listings."""

    start: NDArray[np.int32]
    end: NDArray[np.int32]
    wrong: NDArray[np.bool_]


class RepresentativeReach:
    """Each month, the restrictions a company's listing puts on its representative."""

    def __init__(
        self,
        rule: CompanyRule,
        companies: Listings,
        representative: NDArray[np.int64],
        people: int,
        start: int,
    ) -> None:
        self.rule = rule
        self.companies = companies
        self.representative = representative
        self.bits = sum(DOMAIN_BIT[d] for d in rule.representative_domains)
        self.start = start
        self.ever = np.zeros(people, bool)  # restricted through a company, in measured months
        self.own_ever = np.zeros(people, bool)  # restricted on their own record, measured
        # The month's company spell per person (empty for all but representatives reached).
        self.spell: Spell = (np.zeros(people, np.int32), np.zeros(people, np.int32))
        self.only = np.zeros(people, bool)  # ... in a month the regime itself did not restrict

    def fold(
        self,
        month: int,
        d0: int,
        d1: int,
        mask_all: NDArray[np.unsignedinteger[Any]],
        mask_true: NDArray[np.unsignedinteger[Any]],
        days: NDArray[np.int32],
        own: Spell,
    ) -> tuple[
        NDArray[np.unsignedinteger[Any]], NDArray[np.unsignedinteger[Any]], NDArray[np.int32]
    ]:
        """The month's person masks and days restricted with the companies' listings added;
        `own` is each person's own listing spell, so a representative's days are the union."""
        if month >= self.start:
            self.own_ever |= mask_all != 0
        if not self.bits:
            return mask_all, mask_true, days
        c = self.companies
        listed = c.start >= 0
        begin = c.start + self.rule.delay_days
        end = c.end + self.rule.lift_days
        reached = np.where(listed, np.minimum(end, d1) - np.maximum(begin, d0), 0).clip(0)
        hit = reached > 0
        who = self.representative[hit]
        self.spell = (np.full(len(mask_all), d1, np.int32), np.full(len(mask_all), d1, np.int32))
        if not len(who):
            return mask_all, mask_true, days
        self.spell[0][who] = begin[hit]
        self.spell[1][who] = end[hit]
        mask_all, mask_true, days = mask_all.copy(), mask_true.copy(), days.copy()
        restricted = mask_all[who] != 0  # by the regime itself
        bits = mask_all.dtype.type(self.bits)
        mask_all[who] |= bits
        true = ~c.wrong[hit]
        mask_true[who[true]] |= bits
        spells = [(own[0][who], own[1][who]), (begin[hit], end[hit])]
        days[who] = covered_days(spells, d0, d1, len(who))
        if month >= self.start:
            self.ever[who] = True
            self.only[who[~restricted]] = True
        return mask_all, mask_true, days

    def share_restricted(self) -> float:
        """People restricted through their company at some measured time."""
        return float(self.ever.mean()) if len(self.ever) else 0.0

    def share_only_through_company(self) -> float:
        """People restricted through their company in a month the regime spared them."""
        return float(self.only.mean()) if len(self.only) else 0.0
