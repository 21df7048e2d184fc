"""What a regime did to each person over the years, accumulated month by month.

Why per-person accumulators rather than a log of every month: at a million people a full
history would not fit in memory; the metrics the report needs (ever sanctioned, days
sanctioned, domains restricted, the first wrongful spell, the score's ranking power each year)
can all be folded in as the months pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import EVENT_BY_NAME, MASK, STATIC_CATEGORIES, EventType, Mask
from bureau.policy.population import MonthEvents, Population
from bureau.policy.schema import Lab

F32 = NDArray[np.float32]


def auc_pairs(score: NDArray[np.floating], positive: NDArray[np.bool_]) -> tuple[float, float]:
    """(AUC x pairs, pairs) for `score` ranking negatives above positives; ties count half.

    Higher standing should mean lower risk, so a positive (a default) is ranked *below*.
    Returned as a weighted pair so several years can be pooled.
    """
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 0.0, 0.0
    values, inverse = np.unique(score, return_inverse=True)
    pos_counts = np.bincount(inverse, weights=positive, minlength=len(values))
    all_counts = np.bincount(inverse, minlength=len(values)).astype(np.float64)
    neg_counts = all_counts - pos_counts
    # For each distinct value: negatives with a higher standing than positives here, plus ties.
    neg_above = neg_counts[::-1].cumsum()[::-1] - neg_counts
    wins = float((pos_counts * (neg_above + 0.5 * neg_counts)).sum())
    pairs = float(n_pos) * float(n_neg)
    return wins, pairs


class DataHeld:
    """Records a regime keeps about each person, expiring after the category's retention."""

    def __init__(
        self,
        lab: Lab,
        size: int,
        months: int,
        catalogue: Mapping[str, EventType] | None = None,
    ) -> None:
        self.lab = lab
        self.months = months
        self.catalogue = EVENT_BY_NAME if catalogue is None else catalogue
        self.counts: dict[str, NDArray[np.uint16]] = {}
        self.events = [e for e, t in self.catalogue.items() if t.category in lab.admissible]
        for e in self.events:
            self.counts.setdefault(self.catalogue[e].category, np.zeros(size, np.uint16))
        self.queue: dict[int, list[tuple[str, NDArray[np.int64]]]] = defaultdict(list)

    def step(self, ev: MonthEvents) -> None:
        for cat, idx in self.queue.pop(ev.month, []):
            self.counts[cat][idx] -= 1
        for e in self.events:
            batch = ev.get(e)
            if not len(batch):
                continue
            cat = self.catalogue[e].category
            self.counts[cat][batch.idx] += 1
            expire = ev.month + round(12 * self.lab.retention_years[cat])
            if expire < self.months:
                self.queue[expire].append((cat, batch.idx))

    def per_person(self, pop: Population) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(data points, data categories) held per person now, true records only."""
        points = np.zeros(pop.size, np.float64)
        cats = np.zeros(pop.size, np.float64)
        for arr in self.counts.values():
            points += arr
            cats += arr > 0
        for cat, n in STATIC_CATEGORIES.items():
            if cat in self.lab.admissible:
                points += n
                cats += 1
        if "tradeline" in self.lab.admissible:
            points += pop.accounts
            cats += self.counts.get("tradeline", np.zeros(1)) == 0  # accounts are held anyway
        return points, cats


@dataclass
class Counters:
    """Events counted over the measured window (reset when the burn-in ends)."""

    notices: int = 0
    disputes_filed: int = 0
    disputes_upheld: int = 0
    disputes_rejected: int = 0
    applications: int = 0  # credit applications (each true inquiry is one)
    without_report: int = 0  # decided with no report: grant refused or abandoned, file frozen
    refused: int = 0
    abandoned: int = 0
    frozen_out: int = 0
    declined: int = 0  # declined, with or without a report
    declined_without_report_clear: int = 0  # exclusion cost: the true file would approve
    approved_against_file: int = 0  # error cost: approved unseen, the true file would decline
    wrongly_declined: int = 0  # declined on a report only because of a false record
    accesses_shown: int = 0  # accesses the subject was shown, with the items used
    errors_noticed: int = 0  # ... by a subject who read them and had a false record
    # The blacklist's procedure (procedure.py): entries refused, listings restored.
    refused_unable: int = 0  # entries refused: the person could not perform
    refused_minor: int = 0  # entries refused under the serious-violations rule
    restored: int = 0  # listings ended by credit restoration

    def reset(self) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, 0)


@dataclass
class Tracker:
    """Per-person outcome accumulators and per-month series for one regime."""

    size: int
    months: int
    protected: NDArray[np.bool_]
    band_names: tuple[str, ...]
    start: int = 0  # months of burn-in: observed but not measured
    ever: NDArray[np.bool_] = field(init=False)
    days: NDArray[np.int32] = field(init=False)
    domains: Mask = field(init=False)
    now: NDArray[np.bool_] = field(init=False)  # sanctioned in the latest month
    wrong_ever: NDArray[np.bool_] = field(init=False)
    wrong_since: NDArray[np.int16] = field(init=False)
    wrong_until: NDArray[np.int16] = field(init=False)
    defaulted: NDArray[np.bool_] = field(init=False)
    last_year_standing: F32 | None = None
    auc_wins: float = 0.0
    auc_pairs: float = 0.0
    auc_positives: int = 0
    series_sanctioned: list[float] = field(default_factory=list)
    series_protected: list[float] = field(default_factory=list)
    series_others: list[float] = field(default_factory=list)
    series_wrong: list[float] = field(default_factory=list)
    bands_by_year: list[list[float]] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    # Who the regime scores (an opt-in regime: only who joined, reach.py); None: everyone.
    # Band shares and the AUC are over them alone: an unscored person holds no grade.
    scored: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = self.size
        self.ever = np.zeros(n, bool)
        self.now = np.zeros(n, bool)
        self.days = np.zeros(n, np.int32)
        self.domains = np.zeros(n, MASK)
        self.wrong_ever = np.zeros(n, bool)
        self.wrong_since = np.full(n, -1, np.int16)
        self.wrong_until = np.full(n, -1, np.int16)
        self.defaulted = np.zeros(n, bool)
        self.n_protected = max(int(self.protected.sum()), 1)
        self.n_others = max(n - int(self.protected.sum()), 1)

    def observe(self, ev: MonthEvents) -> None:
        self.defaulted[ev.get("default").idx] = True

    def record(
        self,
        month: int,
        standing: F32,
        band: NDArray[np.intp],
        mask_all: Mask,
        mask_true: Mask,
        days: NDArray[np.int32] | int,
    ) -> None:
        """Fold in one month: the standing used, band held and domains restricted.

        Burn-in months only carry the year-end standing into the first measured year (for the
        AUC) and clear the counters at their end, so start-up never mixes into the metrics.
        """
        if month < self.start:
            if month % 12 == 11:
                self.defaulted[:] = False
                if month == self.start - 1:
                    self.last_year_standing = standing.copy()
            if month == self.start - 1:
                self.counters.reset()
            return
        sanctioned = mask_all != 0
        self.now = sanctioned
        self.ever |= sanctioned
        self.days += np.where(sanctioned, days, 0).astype(np.int32)
        self.domains |= mask_all
        wrong = sanctioned & (mask_true == 0)
        started = wrong & ~self.wrong_ever
        self.wrong_since[started] = month
        self.wrong_ever |= wrong
        ended = (self.wrong_since >= 0) & (self.wrong_until < 0) & ~wrong
        self.wrong_until[ended] = month
        n_sanctioned = int(sanctioned.sum())
        prot = int((sanctioned & self.protected).sum())
        self.series_sanctioned.append(n_sanctioned / self.size)
        self.series_protected.append(prot / self.n_protected)
        self.series_others.append((n_sanctioned - prot) / self.n_others)
        self.series_wrong.append(float(wrong.sum()) / self.size)
        if month % 12 == 11:
            graded = band if self.scored is None else band[self.scored]
            counts = np.bincount(graded, minlength=len(self.band_names))
            self.bands_by_year.append((counts / max(len(graded), 1)).tolist())
            if self.last_year_standing is not None:
                last, defaulted = self.last_year_standing, self.defaulted
                if self.scored is not None:
                    last, defaulted = last[self.scored], defaulted[self.scored]
                wins, pairs = auc_pairs(last, defaulted)
                self.auc_wins += wins
                self.auc_pairs += pairs
                self.auc_positives += int(defaulted.sum())
            self.last_year_standing = standing.copy()
            self.defaulted[:] = False

    @property
    def auc(self) -> float | None:
        return self.auc_wins / self.auc_pairs if self.auc_pairs else None
