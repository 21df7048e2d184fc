"""Running a regime over the population: standing, sanctions, notices, disputes, recovery.

Two mechanisms cover the seven regimes. Scorecards, point systems and composite scores are all
*linear*: a base, plus weighted static traits, plus points per record held, each record
counting until its recovery period ends. Blacklists are *listings*: on or off, with a start
day, an end day, early lifting on performance and extension. Which mechanism, and every number
in it, comes from the regime file.

False records (injected by the population) are tracked beside true ones, so each run knows at
every moment what the person's standing would be without them: that is how "wrongly
sanctioned" and "time until corrected" are measured without a second run.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from bureau.policy.budgets import BudgetBook
from bureau.policy.catalogue import DOMAIN_BIT, MASK, Mask
from bureau.policy.changes import Change, ChangeBook
from bureau.policy.decisions import DecisionDesk
from bureau.policy.merits import MeritDesk
from bureau.policy.opacity import locators
from bureau.policy.population import DAYS_PER_YEAR, EventBatch, MonthEvents, Population
from bureau.policy.procedure import ADMINISTRATIVE, COURT
from bureau.policy.procedure_desk import ProcedureDesk
from bureau.policy.reach import Reach
from bureau.policy.regime import Regime
from bureau.policy.representatives import RepresentativeReach
from bureau.policy.rewards import RewardTracker
from bureau.policy.schema import Lab
from bureau.policy.tracking import Counters, DataHeld, Tracker

F32 = NDArray[np.float32]
Idx = NDArray[np.int64]


def _rng(regime: Regime, seed: int) -> np.random.Generator:
    """Each regime's own dice (who disputes, who gets notice), stable across runs and orders."""
    return np.random.default_rng(np.random.SeedSequence([seed, 2, zlib.crc32(regime.id.encode())]))


class _Bands:
    """Standing → band index (highest band first) → bitmask of restricted life domains."""

    def __init__(self, lab: Lab) -> None:
        self.names = tuple(b.name for b in lab.bands)
        self.asc_mins = np.array([b.min for b in reversed(lab.bands)], np.float64)
        masks = [sum(DOMAIN_BIT[d] for d in b.domains) for b in lab.bands]
        self.masks = np.array(masks, MASK)
        self.count = len(lab.bands)

    def index(self, standing: F32) -> NDArray[np.intp]:
        # A handful of bands: one comparison per threshold beats a binary search per person.
        above = np.zeros(len(standing), np.intp)
        for low in self.asc_mins[1:]:
            above += standing >= low
        return self.count - 1 - above

    def ceiling(self, name: str) -> float:
        """The highest standing still inside band `name` (for caps like 'automatic grade B')."""
        i = self.names.index(name)
        return math.inf if i == 0 else float(self.asc_mins[self.count - i]) - 1e-3


class DisputeDesk:
    """Disputes counted in days: filed on a day of the month, decided `resolve_days` later.

    Days rather than months so that a what-if on the deadline (15 days instead of 30) shows.
    """

    def __init__(self, lab: Lab, size: int, rng: np.random.Generator, counters: Counters) -> None:
        self.lab = lab
        self.rng = rng
        self.counters = counters
        self.due_day = np.full(size, -1, np.int32)

    def idle(self) -> NDArray[np.bool_]:
        return self.due_day < 0

    def file(self, candidates: Idx, ev: MonthEvents, notified_until: NDArray[np.int16]) -> None:
        if not len(candidates):
            return
        p = np.full(len(candidates), self.lab.dispute.file_share_per_year / 12)
        p[notified_until[candidates] > ev.month] *= self.lab.notice.dispute_boost
        filing = candidates[self.rng.random(len(candidates)) < p]
        day = ev.first_day + self.rng.integers(0, ev.end_day - ev.first_day, len(filing))
        self.due_day[filing] = day + self.lab.dispute.resolve_days
        self.counters.disputes_filed += len(filing)

    def decided(self, before_day: int) -> tuple[Idx, NDArray[np.int32]]:
        """Disputes whose decision falls before `before_day`, and the decision day."""
        due = np.flatnonzero((self.due_day >= 0) & (self.due_day < before_day))
        day = self.due_day[due].copy()
        self.due_day[due] = -1
        return due, day


class _Applications:
    """The month's applications decided before its events land: the lender reads the file as
    it stood at the end of last month, and only an access records an inquiry."""

    def __init__(self, lab: Lab, pop: Population, rng: np.random.Generator, c: Counters) -> None:
        self.desk = DecisionDesk(lab, pop.params.behaviour, pop.frozen, rng, c)
        self.mask_all = np.zeros(pop.size, MASK)
        self.mask_true = np.zeros(pop.size, MASK)

    def run(
        self, ev: MonthEvents, has_error: NDArray[np.bool_], notified_until: NDArray[np.int16]
    ) -> MonthEvents:
        batch = ev.get("inquiry")
        accessed = self.desk.decide(
            ev.month, batch.idx, self.mask_all, self.mask_true, has_error, notified_until
        )
        if accessed.all():
            return ev
        kept = EventBatch(batch.idx[accessed], batch.day[accessed])
        return dataclasses.replace(ev, true={**ev.true, "inquiry": kept})

    def remember(self, mask_all: Mask, mask_true: Mask) -> None:
        self.mask_all = mask_all
        self.mask_true = mask_true


class LinearRun:
    """Scorecard, points or composite: base + static traits + points per record held."""

    def __init__(
        self, regime: Regime, pop: Population, months: int, seed: int, start: int = 0
    ) -> None:
        self.regime = regime
        self.lab = lab = regime.require_lab()
        self.pop = pop
        self.months = months
        n = pop.size
        sc = lab.scoring
        self.score = np.full(n, sc.base, np.float32)
        for name, weight in sc.static.items():
            self.score += np.float32(weight) * pop.signal(name)
        self.err = np.zeros(n, np.float32)  # effect of uncorrected false records
        self.corrected_at = np.full(n, -1, np.int16)
        self.queue: dict[int, list[tuple[Idx, F32, bool, int]]] = defaultdict(list)
        self.added = np.zeros(n, np.float32) if sc.additions_cap_per_year is not None else None
        self.budgets = BudgetBook(lab.budgets, n)
        self.bands = _Bands(lab)
        self.caps = [
            (c.event, round(12 * c.years), self.bands.ceiling(c.band), np.full(n, -1, np.int16))
            for c in sc.caps
        ]
        self.notified_until = np.full(n, -1, np.int16)
        self.rng = _rng(regime, seed)
        self.held = DataHeld(lab, n, months, pop.params.event_types)
        self.tracker = Tracker(n, months, pop.protected, self.bands.names, start)
        self.desk = DisputeDesk(lab, n, self.rng, self.tracker.counters)
        self.applications = _Applications(lab, pop, self.rng, self.tracker.counters)
        self.reach = Reach(regime.id, lab.mechanisms, n, seed)
        if lab.mechanisms.take_up is not None:
            self.tracker.scored = self.reach.enrolled
        self.rewards = RewardTracker(lab, n, start)
        self.can_locate = locators(lab, regime.id, n, seed)
        self.merits = MeritDesk(lab.merits, pop.params.event_types, regime.id, n, seed)
        self.changes = ChangeBook(lab.calendar, start)

    @property
    def counters(self) -> Counters:
        return self.tracker.counters

    def _recovery_months(self, event: str) -> int:
        sc = self.lab.scoring
        years = sc.recovery_years.get(event)
        if years is None:
            years = self.lab.retention_years[self.pop.params.event_types[event].category]
        return round(12 * years)

    def _apply(self, month: int, event: str, idx: Idx, is_error: bool) -> None:
        weight = self.lab.scoring.items[event]
        if weight > 0:
            idx = self.merits.counted(event, idx)  # a merit nobody reported counts for nothing
        delta = np.full(len(idx), weight, np.float32)
        if weight > 0 and self.added is not None:
            cap = self.lab.scoring.additions_cap_per_year or 0.0
            room = np.maximum(np.float32(cap) - self.added[idx], 0)
            delta = np.minimum(delta, room)
            self.added[idx] += delta
        if weight < 0 and self.budgets.covers(event):
            delta = self.budgets.clip(event, idx, delta)
        self.score[idx] += delta
        if is_error:
            self.err[idx] += delta
        end = month + self._recovery_months(event)
        if end < self.months:
            self.queue[end].append((idx, -delta, is_error, month))
            if weight < 0 and self.budgets.covers(event):
                self.budgets.hold_until(end, event, idx, delta)

    def _expire(self, month: int) -> None:
        self.budgets.release(month)
        for idx, delta, is_error, recorded in self.queue.pop(month, []):
            if is_error:
                live = self.corrected_at[idx] < recorded  # not already removed by a dispute
                idx, delta = idx[live], delta[live]
                self.err[idx] += delta
            self.score[idx] += delta

    def _disputes(self, ev: MonthEvents) -> None:
        if not self.lab.dispute.available:
            return
        # Only people with a false record dispute (a simplification); a notice makes it likelier.
        # An opaque score: only who can tell which record moved it can dispute it (opacity.py).
        wrong = (self.err != 0) & self.desk.idle() & self.can_locate
        self.desk.file(np.flatnonzero(wrong), ev, self.notified_until)
        due, _ = self.desk.decided(ev.end_day)
        if len(due):
            wrong = self.err[due] != 0
            upheld = due[wrong & (self.rng.random(len(due)) < self.lab.dispute.success_share)]
            self.score[upheld] -= self.err[upheld]
            self.err[upheld] = 0
            self.corrected_at[upheld] = ev.month
            self.counters.disputes_upheld += len(upheld)
            self.counters.disputes_rejected += len(due) - len(upheld)

    def standing(self) -> F32:
        sc = self.lab.scoring
        return np.clip(self.score, sc.low, sc.high)

    def true_standing(self) -> F32:
        sc = self.lab.scoring
        return np.clip(self.score - self.err, sc.low, sc.high)

    def band_of(self, standing: F32) -> NDArray[np.intp]:
        return self.bands.index(standing)

    def _capped(self, s: F32, month: int) -> F32:
        for _, _, ceiling, until in self.caps:
            active = until > month
            if active.any():
                s = np.where(active, np.minimum(s, np.float32(ceiling)), s)
        return s

    def step(self, ev: MonthEvents) -> None:
        m = ev.month
        if self.added is not None and m % 12 == 0:
            self.added[:] = 0
        _change(self, self.changes.due(m))
        self.merits.step(m)
        self._expire(m)
        self.tracker.observe(ev)
        ev = self.applications.run(ev, self.err != 0, self.notified_until)
        self.held.step(ev)
        for event in self.lab.scoring.items:
            batch = ev.get(event)
            if len(batch):
                self._apply(m, event, batch.idx, is_error=False)
            wrong = ev.error(event)
            if len(wrong):
                self._apply(m, event, wrong.idx, is_error=True)
        for event, months, _, until in self.caps:
            until[ev.get(event).idx] = m + months
        self._disputes(ev)
        s_all = self._capped(self.standing(), m)
        s_true = self._capped(self.true_standing(), m)
        band = self.band_of(s_all)
        mask_all = self.reach.apply(self.bands.masks[band])
        mask_true = self.reach.apply(self.bands.masks[self.band_of(s_true)])
        self.applications.remember(mask_all, mask_true)
        days = ev.end_day - ev.first_day
        self.tracker.record(m, s_all, band, mask_all, mask_true, days)
        self.rewards.record(m, band, self.reach.enrolled, self.merits.plaque_mask())


class ListRun:
    """A blacklist: entry on an unperformed obligation, a fixed term, lifting on performance."""

    NOT_LISTED = -1

    def __init__(
        self, regime: Regime, pop: Population, months: int, seed: int, start: int = 0
    ) -> None:
        self.regime = regime
        self.lab = lab = regime.require_lab()
        assert lab.listing is not None
        self.listing = lab.listing
        self.pop = pop
        n = pop.size
        self.start = np.full(n, self.NOT_LISTED, np.int32)
        self.end = np.full(n, self.NOT_LISTED, np.int32)
        self.wrong = np.zeros(n, bool)
        self.performed = np.zeros(n, bool)
        self.extended = np.zeros(n, bool)
        self.notified_until = np.full(n, -1, np.int16)
        self.bands = _Bands(lab)
        self.rng = _rng(regime, seed)
        self.held = DataHeld(lab, n, months, pop.params.event_types)
        self.tracker = Tracker(n, months, pop.protected, self.bands.names, start)
        self.desk = DisputeDesk(lab, n, self.rng, self.tracker.counters)
        self.applications = _Applications(lab, pop, self.rng, self.tracker.counters)
        self._listed_now = np.zeros(n, np.float32)
        self.reach = Reach(regime.id, lab.mechanisms, n, seed)
        self.rewards = RewardTracker(lab, n, start)
        self.procedure = ProcedureDesk(lab.procedure, regime.id, n, seed, self.counters)
        self.listed_mask = int(self.bands.masks[self.bands.index(np.zeros(1, np.float32))][0])
        self.changes = ChangeBook(lab.calendar, start)
        # Companies' listings reaching their representatives (set by the comparison).
        self.representatives: RepresentativeReach | None = None

    @property
    def counters(self) -> Counters:
        return self.tracker.counters

    def listed_on(self, day: int) -> NDArray[np.bool_]:
        return (self.start >= 0) & (self.start <= day) & (self.end > day)

    def _enter(self, idx: Idx, day: NDArray[np.int32], wrong: bool, month: int) -> Idx:
        """List these people (those not listed already); returns who was newly listed."""
        term = round(self.listing.years * DAYS_PER_YEAR)
        already = (self.start[idx] >= 0) & (self.end[idx] > day)
        # A true obligation while wrongly listed makes the listing right from now on.
        if not wrong:
            was_wrong = already & self.wrong[idx]
            fix = idx[was_wrong]
            self.wrong[fix] = False
            self.end[fix] = np.maximum(self.end[fix], day[was_wrong] + term)
        idx, day = idx[~already], day[~already]
        warned = np.zeros(len(idx), bool)
        if self.lab.notice.before_adverse:
            warned = self.rng.random(len(idx)) < self.lab.notice.compliance
            self.counters.notices += int(warned.sum())
            self.notified_until[idx[warned]] = month + 12
        if not wrong:
            share = self.pop.params.perform_after_warning_share
            averted = warned & (self.rng.random(len(idx)) < share)
            idx, day, warned = idx[~averted], day[~averted], warned[~averted]
        begin = day + np.where(warned, self.listing.notice_days, 0).astype(np.int32)
        self.start[idx] = begin
        self.end[idx] = begin + term
        self.wrong[idx] = wrong
        self.performed[idx] = False
        self.extended[idx] = False
        return idx

    def _admit(self, batch: EventBatch, route: int, wrong: bool, month: int) -> None:
        """Entries through one route, past the procedure's tests (procedure.py): a person
        listed though unable to perform is listed against the rule, so wrongly."""
        idx, day, unable = self.procedure.admit(batch.idx, batch.day, route, self.pop.income)
        for against_rule in (False, True):
            sel = unable == against_rule
            if sel.any():
                fresh = self._enter(idx[sel], day[sel], wrong or against_rule, month)
                self.procedure.listed(fresh, route)

    def restricted_end(self) -> NDArray[np.int32]:
        """Per person, the day the last restriction of their listing lifts: the listing's end,
        then the slowest agency's lifting delay (procedure.py)."""
        return self.procedure.restricted_until(self.end, self.listed_mask)

    def restricted_on(self, day: int) -> Mask:
        """Each person's restricted domains on `day`, the agencies' lifting delays included."""
        return self.procedure.restricted_on(self.start, self.end, day, self.listed_mask)

    def _disputes(self, ev: MonthEvents) -> None:
        if not self.lab.dispute.available:
            return
        active = self.wrong & (self.end > ev.first_day)
        self.desk.file(np.flatnonzero(active & self.desk.idle()), ev, self.notified_until)
        due, day = self.desk.decided(ev.end_day)
        if len(due):
            ok = self.wrong[due] & (self.rng.random(len(due)) < self.lab.dispute.success_share)
            upheld = due[ok]
            self.end[upheld] = np.minimum(self.end[upheld], day[ok] + self.listing.lift_days)
            self.counters.disputes_upheld += len(upheld)
            self.counters.disputes_rejected += len(due) - len(upheld)

    def standing(self) -> F32:
        return self._listed_now

    def band_of(self, standing: F32) -> NDArray[np.intp]:
        return self.bands.index(standing)

    def step(self, ev: MonthEvents) -> None:
        m, d0, d1 = ev.month, ev.first_day, ev.end_day
        self.tracker.observe(ev)
        wrong_now = self.wrong & self.listed_on(d0 - 1)
        ev = self.applications.run(ev, wrong_now, self.notified_until)
        self.held.step(ev)
        _change(self, self.changes.due(m))
        procedure = self.procedure.p
        routes = (
            (COURT, self.listing.entry_events),
            (ADMINISTRATIVE, procedure.administrative_events),
        )
        for route, events in routes:
            for event in events:
                batch = ev.get(event)
                if len(batch):
                    self._admit(batch, route, wrong=False, month=m)
                false = ev.error(event)
                if len(false):
                    self._admit(false, route, wrong=True, month=m)
        # Performance lifts a true court listing within the regime's lifting period.
        p = ev.performed
        if len(p):
            hit = (self.start[p.idx] >= 0) & (self.end[p.idx] > p.day) & ~self.wrong[p.idx]
            hit &= self.procedure.route[p.idx] == COURT
            who, day = p.idx[hit], p.day[hit]
            self.end[who] = np.minimum(self.end[who], day + self.listing.lift_days)
            self.performed[who] = True
        # Administrative listings: paying, then credit restoration (procedure.py).
        on = (self.start >= 0) & (self.start < d1) & (self.end > d0) & ~self.wrong
        self.performed[self.procedure.pay_and_restore(on, self.end, d0, d1)] = True
        # Extension at the end of the term, once, when not performed.
        ending = np.flatnonzero(
            (self.start >= 0)
            & (self.end >= d0)
            & (self.end < d1)
            & ~self.performed
            & ~self.extended
        )
        if len(ending) and self.listing.extension_share > 0:
            ext = ending[self.rng.random(len(ending)) < self.listing.extension_share]
            self.end[ext] += round(self.listing.extension_years * DAYS_PER_YEAR)
            self.extended[ext] = True
        self._disputes(ev)
        listed = self.start >= 0
        overlap = (
            np.where(listed, np.minimum(self.end, d1) - np.maximum(self.start, d0), 0)
            .clip(0)
            .astype(np.int32)
        )
        on_list = overlap > 0
        self._listed_now = np.where(self.listed_on(d1 - 1), 0, 1).astype(np.float32)
        band = self.band_of(np.where(on_list, 0, 1).astype(np.float32))
        # Agencies that have not yet lifted their restriction after the listing ended.
        lingering = self.procedure.lingering(self.start, self.end, d0, d1, self.listed_mask)
        mask_all = self.reach.apply(self.bands.masks[band] | lingering)
        mask_true = np.where(self.wrong, 0, mask_all).astype(MASK)
        until = self.restricted_end()
        days = np.where(listed, np.minimum(until, d1) - np.maximum(self.start, d0), 0)
        days = days.clip(0).astype(np.int32)
        if self.representatives is not None:
            own = (np.where(listed, self.start, d1), np.where(listed, until, d1))
            mask_all, mask_true, days = self.representatives.fold(
                m, d0, d1, mask_all, mask_true, days, own
            )
        self.applications.remember(mask_all, mask_true)
        self.tracker.record(m, self._listed_now, band, mask_all, mask_true, days)
        self.rewards.record(m, band, self.reach.enrolled)


def _change(run: LinearRun | ListRun, changes: list[Change]) -> None:
    """Apply the dated changes taking effect this month (changes.py)."""
    for change in changes:
        if change.serious_only is not None and isinstance(run, ListRun):
            run.procedure.serious_only = change.serious_only
        if change.penalties is False:
            run.bands.masks[:] = 0
            if isinstance(run, ListRun):
                run.listed_mask = 0
        if change.opt_in_share is not None:
            run.reach.keep_share(change.opt_in_share)


def start_run(
    regime: Regime, pop: Population, months: int, seed: int, start: int = 0
) -> LinearRun | ListRun:
    """The run for a regime's scoring kind; the first `start` months are burn-in."""
    if regime.require_lab().scoring.kind == "list":
        return ListRun(regime, pop, months, seed, start)
    return LinearRun(regime, pop, months, seed, start)
