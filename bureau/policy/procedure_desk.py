"""The blacklist's procedure as it runs: entries tested, administrative listings paid and
restored, restrictions lingering until each agency lifts (the rules: procedure.py).

Why apart from the rules: the regime file's parser (schema.py) reads procedure.py, while this
desk counts into the run's counters (tracking.py), which read the parsed regime.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, MASK, Mask
from bureau.policy.procedure import ADMINISTRATIVE, I32, ROUTES, Idx, Procedure
from bureau.policy.tracking import Counters


class ProcedureDesk:
    """The procedure's state per person: the listing's route, when they paid, restored or not.

    Its dice are its own (seeded by the regime), so a regime without a `[procedure]` draws
    exactly what it drew before, and adding one moves no other draw.
    """

    def __init__(
        self,
        procedure: Procedure | None,
        regime_id: str,
        size: int,
        seed: int,
        counters: Counters | None = None,
    ) -> None:
        self.p = procedure or Procedure()
        self.counters = Counters() if counters is None else counters  # the run's, measured
        self.rng = np.random.default_rng(
            np.random.SeedSequence([seed, 4, zlib.crc32(regime_id.encode())])
        )
        self.route = np.zeros(size, np.int8)
        self.paid_day = np.full(size, -1, np.int32)
        self.restored_day = np.full(size, -1, np.int32)  # the day restoration ends the listing
        self.serious_only = False  # the 2019 rule, switched on by a dated change

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
            minor = keep & (self.rng.random(len(idx)) >= share)  # of those still to list
            self.counters.refused_minor += int(minor.sum())
            keep &= ~minor
        unable = np.zeros(len(idx), bool)
        if self.p.income_floor_z is not None:
            unable = income[idx] < np.float32(self.p.income_floor_z)
            tested = self.rng.random(len(idx)) < self.p.checked_share
            refused = unable & tested & keep
            self.counters.refused_unable += int(refused.sum())
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
        self.counters.restored += len(restoring)
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

    def restricted_until(self, end: I32, listed_mask: int) -> I32:
        """The day each listing's last restriction lifts: its end, then the slowest agency's
        delay (the slowest agency restricts all the days after the end the others do)."""
        slow = self._slow(listed_mask)
        if not slow:
            return end
        return (end + max(delay for _, delay in slow)).astype(np.int32)
