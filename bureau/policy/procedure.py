"""The blacklist's procedure: who may be listed, by which route, and how a listing ends.

Why more than "on for an unperformed judgment, off on performance": the seeds describe a
procedure (procedure.md#spc-procedure). Only someone obliged *and able* to perform is to be
listed (SPC 2013 rules, seed 003); administrative bodies list people for unpaid taxes or fines
too (seed 003, 004), and paying those does not delist anyone: "credit restoration" does, after
a commitment letter, credit training and a period open to objections (seed 001); every
restricting agency must lift its own restriction once the person is off the list, "promptly"
(2016 Opinions, seed 003), so each lifts after its own delay; and from 2019 only serious
violations may be blacklisted (seed 000), a dated change (changes.py) acting on each route's
share of serious entries.

Every number is in the regime file's `[procedure]` table, with its provenance (the desk that
runs it is procedure_desk.py):

    [procedure.administrative]       # the administrative route (CreditChina's lists)
    events = ["tax_arrears", "administrative_penalty"]
    listed_share = 0.004             # share of those records that reach the list (unpaid)
    pay_share_per_year = 0.5         # share of listed people paying what they owe, per year
    [procedure.ability]              # the ability-to-perform test
    income_floor_z = -1.5            # below this income (z-score) a person cannot perform
    checked_share = 0.8              # share of entries in which ability is actually tested
    [procedure.restoration]          # credit restoration, after paying (administrative route)
    take_up_share = 0.5
    commitment_days = 7
    training_days = 14
    objection_days = 30
    [procedure.lift_delay_days]      # per restricting agency (life domain), after delisting
    jobs = 60
    [procedure.serious_share]        # per route: share of entries that are serious violations
    court = 0.9
    administrative = 0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAINS
from bureau.policy.mechanisms import Problems, _number

ROUTES = ("court", "administrative")
COURT, ADMINISTRATIVE = 0, 1
PROCEDURE_KEYS: dict[str, set[str]] = {
    "administrative": {"events", "listed_share", "pay_share_per_year"},
    "ability": {"income_floor_z", "checked_share"},
    "restoration": {"take_up_share", "commitment_days", "training_days", "objection_days"},
    "lift_delay_days": set(DOMAINS),
    "serious_share": set(ROUTES),
}
MAX_DAYS = 3650
I32 = NDArray[np.int32]
Idx = NDArray[np.int64]


@dataclass(frozen=True)
class Restoration:
    """Credit restoration: a person who has paid commits in writing, is trained, and waits out
    the objection period; the listing ends when the last step does."""

    take_up_share: float
    commitment_days: int
    training_days: int
    objection_days: int

    @property
    def total_days(self) -> int:
        return self.commitment_days + self.training_days + self.objection_days


@dataclass(frozen=True)
class Procedure:
    administrative_events: tuple[str, ...] = ()
    listed_share: float = 1.0  # administrative route: share of its records reaching the list
    pay_share_per_year: float = 0.0
    income_floor_z: float | None = None  # None: no ability test
    checked_share: float = 0.0
    restoration: Restoration | None = None
    lift_delay_days: dict[str, int] | None = None  # domain -> days after delisting
    serious_share: dict[str, float] | None = None  # route -> share of entries serious

    def delays(self) -> dict[str, int]:
        return dict(self.lift_delay_days or {})


def _sub(raw: dict[str, Any], key: str, problems: Problems) -> dict[str, Any] | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append((f"procedure.{key}", "expected a table"))
        return None
    for sub in value:
        if sub not in PROCEDURE_KEYS[key]:
            problems.append((f"procedure.{key}.{sub}", "unknown field"))
    return value


def _events(value: Any, path: str, known: set[str], problems: Problems) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append((path, "expected a list of event names"))
        return ()
    for name in value:
        if name not in known:
            problems.append((path, f"unknown event {name!r}"))
    return tuple(v for v in value if v in known)


def parse_procedure(
    doc: dict[str, Any], listing_events: tuple[str, ...], known_events: set[str], problems: Problems
) -> Procedure | None:
    """`[procedure]` of a list regime (absent: none of these mechanisms)."""
    raw = doc.get("procedure")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(("procedure", "expected a table"))
        return None
    for key in raw:
        if key not in PROCEDURE_KEYS:
            problems.append((f"procedure.{key}", "unknown field"))
    events: tuple[str, ...] = ()
    pay = 0.0
    listed = 1.0
    adm = _sub(raw, "administrative", problems)
    if adm is not None:
        path = "procedure.administrative"
        events = _events(adm.get("events"), f"{path}.events", known_events, problems)
        for name in events:
            if name in listing_events:
                problems.append((f"{path}.events", f"{name!r} is already a court entry"))
        listed = _number(adm, f"{path}.listed_share", problems, 0, 1)
        pay = _number(adm, f"{path}.pay_share_per_year", problems, 0, 12)
    floor: float | None = None
    checked = 0.0
    ability = _sub(raw, "ability", problems)
    if ability is not None:
        floor = _number(ability, "procedure.ability.income_floor_z", problems, -5, 5)
        checked = _number(ability, "procedure.ability.checked_share", problems, 0, 1)
    restoration = None
    rest = _sub(raw, "restoration", problems)
    if rest is not None:
        if not events:
            problems.append(
                ("procedure.restoration", "restores from the administrative route: name its events")
            )

        def days(key: str) -> int:
            return round(_number(rest, f"procedure.restoration.{key}", problems, 0, MAX_DAYS))

        restoration = Restoration(
            take_up_share=_number(rest, "procedure.restoration.take_up_share", problems, 0, 1),
            commitment_days=days("commitment_days"),
            training_days=days("training_days"),
            objection_days=days("objection_days"),
        )
    delays = _sub(raw, "lift_delay_days", problems) or {}
    lift = {
        d: round(_number(delays, f"procedure.lift_delay_days.{d}", problems, 0, MAX_DAYS))
        for d in delays
        if d in DOMAINS
    }
    serious_t = _sub(raw, "serious_share", problems) or {}
    serious = {
        r: _number(serious_t, f"procedure.serious_share.{r}", problems, 0, 1)
        for r in serious_t
        if r in ROUTES
    }
    return Procedure(events, listed, pay, floor, checked, restoration, lift, serious)
