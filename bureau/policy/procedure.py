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

Every number is in the regime file's `[procedure]` table, with its provenance:

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

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS, MASK, Mask
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


class ProcedureDesk:
    """The procedure's state per person: the listing's route, when they paid, restored or not.

    Its dice are its own (seeded by the regime), so a regime without a `[procedure]` draws
    exactly what it drew before, and adding one moves no other draw.
    """

    def __init__(self, procedure: Procedure | None, regime_id: str, size: int, seed: int) -> None:
        self.p = procedure or Procedure()
        self.rng = np.random.default_rng(
            np.random.SeedSequence([seed, 4, zlib.crc32(regime_id.encode())])
        )
        self.route = np.zeros(size, np.int8)
        self.paid_day = np.full(size, -1, np.int32)
        self.restored_day = np.full(size, -1, np.int32)  # the day restoration ends the listing
        self.serious_only = False  # the 2019 rule, switched on by a dated change
        self.refused_unable = 0  # entries refused because the person could not perform
        self.refused_minor = 0  # entries refused under the serious-violations rule
        self.restored = 0

    def admit(
        self, idx: Idx, day: I32, route: int, income: NDArray[np.float32]
    ) -> tuple[Idx, I32, NDArray[np.bool_]]:
        """Who of these entries is listed, and which of them are listed against the rule
        (unable to perform, but nobody tested it): those listings are wrong ones."""
        keep = np.ones(len(idx), bool)
        if route == ADMINISTRATIVE and self.p.listed_share < 1:
            keep &= self.rng.random(len(idx)) < self.p.listed_share
        share = (self.p.serious_share or {}).get(ROUTES[route], 1.0)
        if self.serious_only and share < 1:
            minor = self.rng.random(len(idx)) >= share
            self.refused_minor += int(minor.sum())
            keep &= ~minor
        unable = np.zeros(len(idx), bool)
        if self.p.income_floor_z is not None:
            unable = income[idx] < np.float32(self.p.income_floor_z)
            tested = self.rng.random(len(idx)) < self.p.checked_share
            refused = unable & tested & keep
            self.refused_unable += int(refused.sum())
            keep &= ~refused
        return idx[keep], day[keep], unable[keep]

    def listed(self, idx: Idx, route: int) -> None:
        """These people's listings have just begun, by `route`."""
        self.route[idx] = route
        self.paid_day[idx] = -1
        self.restored_day[idx] = -1

    def pay_and_restore(self, on_list: NDArray[np.bool_], end: I32, d0: int, d1: int) -> Idx:
        """Administrative listings: some pay this month; of those, the share taking up credit
        restoration leaves the list when its last step ends (the others wait out the term).
        Returns who paid (a paid listing is not extended)."""
        p = self.p
        if not p.administrative_events:
            return np.zeros(0, np.int64)
        owing = np.flatnonzero(on_list & (self.route == ADMINISTRATIVE) & (self.paid_day < 0))
        pays = owing[self.rng.random(len(owing)) < p.pay_share_per_year / 12]
        self.paid_day[pays] = d0 + self.rng.integers(0, d1 - d0, len(pays))
        if p.restoration is None or not len(pays):
            return pays
        restoring = pays[self.rng.random(len(pays)) < p.restoration.take_up_share]
        done = self.paid_day[restoring] + p.restoration.total_days
        self.restored_day[restoring] = done
        end[restoring] = np.minimum(end[restoring], done)
        self.restored += len(restoring)
        return pays

    def restricted_on(self, start: I32, end: I32, day: int, listed_mask: int) -> Mask:
        """The domains restricted on `day`: the listing's while it runs, then each agency's
        own domain until that agency lifts it, `lift_delay_days` after the listing ends."""
        begun = (start >= 0) & (start <= day)
        mask = np.where(begun & (end > day), listed_mask, 0).astype(MASK)
        for bit, delay in self._slow(listed_mask):
            mask[begun & (end <= day) & (end + delay > day)] |= MASK(bit)
        return mask

    def _slow(self, listed_mask: int) -> list[tuple[int, int]]:
        """(bit, delay) of the agencies that lift late, for the domains a listing restricts."""
        return [
            (DOMAIN_BIT[d], delay)
            for d, delay in self.p.delays().items()
            if delay > 0 and listed_mask & DOMAIN_BIT[d]
        ]

    def lingering(self, start: I32, end: I32, d0: int, d1: int, listed_mask: int) -> Mask:
        """Domains restricted at some time in [d0, d1) by agencies that have not yet lifted
        their restriction after the listing ended."""
        mask = np.zeros(len(start), MASK)
        slow = self._slow(listed_mask)
        if not slow:
            return mask
        # Only listings that ended recently can linger: look at those alone.
        longest = max(delay for _, delay in slow)
        recent = np.flatnonzero((start >= 0) & (end < d1) & (end + longest > d0))
        ended = end[recent]
        for bit, delay in slow:
            mask[recent[ended + delay > d0]] |= MASK(bit)
        return mask

    def lingering_days(self, start: I32, end: I32, d0: int, d1: int, listed_mask: int) -> I32:
        """Days of [d0, d1) on which some agency still restricts after the listing ended (the
        slowest agency restricts all of that time)."""
        days = np.zeros(len(start), np.int32)
        slow = self._slow(listed_mask)
        if not slow:
            return days
        longest = max(delay for _, delay in slow)
        recent = np.flatnonzero((start >= 0) & (end < d1) & (end + longest > d0))
        ended = end[recent]
        days[recent] = (np.minimum(ended + longest, d1) - np.maximum(ended, d0)).clip(0)
        return days
