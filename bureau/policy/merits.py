"""Merits a resident must report with proof, and plaques given to whole households.

Why: in Rongcheng's villages a good deed earns points only once the resident reports it to an
assessor or the party leader with proof, "at least two photos or a video", where few villagers
own a smartphone (seed 004, procedure.md#rongcheng-procedure); a deed nobody reports counts
for nothing. And enamel plaques ("Family with exemplary social credit") were handed to whole
sides of a village to fill a quota, whatever each household had done (seed 004): a reward that
follows the household, not the person's score.

    [merits]
    report_share = 0.5       # share of residents able to report good deeds with proof
    [plaques]
    household_size = 3       # people per household
    share_per_year = 0.2     # share of households without one given a plaque each year
    domains = ["honours"]    # the reward domains a plaque counts in

Who can report, and which households get a plaque, are drawn from dice of their own, so the
regime's other draws stay as they were.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, MASK, EventType, Mask
from bureau.policy.mechanisms import Problems, _domains, _number

MERIT_KEYS = {"report_share"}
PLAQUE_KEYS = {"household_size", "share_per_year", "domains"}


@dataclass(frozen=True)
class Plaques:
    household_size: int
    share_per_year: float
    domains: frozenset[str]


@dataclass(frozen=True)
class MeritRules:
    report_share: float | None = None  # None: every merit counts as it happens
    plaques: Plaques | None = None


def _table(doc: dict[str, Any], name: str, keys: set[str], problems: Problems) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        problems.append((name, "expected a table"))
        return {}
    for key in value:
        if key not in keys:
            problems.append((f"{name}.{key}", "unknown field"))
    return value


def parse_merits(doc: dict[str, Any], problems: Problems) -> MeritRules | None:
    """`[merits]` and `[plaques]` (both absent: merits count as they happen, no plaques)."""
    if "merits" not in doc and "plaques" not in doc:
        return None
    share = None
    if "merits" in doc:
        merits = _table(doc, "merits", MERIT_KEYS, problems)
        share = _number(merits, "merits.report_share", problems, 0, 1)
    plaques = None
    if "plaques" in doc:
        t = _table(doc, "plaques", PLAQUE_KEYS, problems)
        plaques = Plaques(
            household_size=round(_number(t, "plaques.household_size", problems, 1, 50)),
            share_per_year=_number(t, "plaques.share_per_year", problems, 0, 1),
            domains=_domains(t.get("domains"), "plaques.domains", problems),
        )
    return MeritRules(share, plaques)


class MeritDesk:
    """Per person: whether their merits are reported; per household: whether it has a plaque."""

    def __init__(
        self,
        rules: MeritRules | None,
        events: Mapping[str, EventType],
        regime_id: str,
        size: int,
        seed: int,
    ) -> None:
        self.rules = rules or MeritRules()
        self.events = events
        rng = np.random.default_rng(
            np.random.SeedSequence([seed, 5, zlib.crc32(regime_id.encode())])
        )
        self.rng = rng
        share = self.rules.report_share
        self.reports = np.ones(size, bool) if share is None else rng.random(size) < share
        plaques = self.rules.plaques
        self.household = np.arange(size) // (plaques.household_size if plaques else 1)
        self.has_plaque = np.zeros(int(self.household[-1]) + 1 if size else 0, bool)
        self.plaque_bits = sum(DOMAIN_BIT[d] for d in plaques.domains) if plaques else 0

    def counted(self, event: str, idx: NDArray[np.int64]) -> NDArray[np.int64]:
        """Of these people with a merit event, those whose merit the regime records."""
        if self.rules.report_share is None or self.events[event].nature != "merit":
            return idx
        return idx[self.reports[idx]]

    def step(self, month: int) -> None:
        """At the start of each year, the year's quota of households is given a plaque."""
        plaques = self.rules.plaques
        if plaques is None or month % 12:
            return
        without = np.flatnonzero(~self.has_plaque)
        given = without[self.rng.random(len(without)) < plaques.share_per_year]
        self.has_plaque[given] = True

    def plaque_mask(self) -> Mask:
        """The reward domains each person holds through their household's plaque."""
        return np.where(self.has_plaque[self.household], self.plaque_bits, 0).astype(MASK)
