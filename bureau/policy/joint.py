"""Joint punishment: regimes run together, one list's entry restricting under another regime.

Why a run of its own beside the separate ones: the seeds describe a bundled system ("if trust
is broken in one place, restrictions are imposed everywhere", 2016 memorandum of 44-45 bodies,
seed 003), while each regime file alone models one agency. A regime declares `[[joint]]` rules
(mechanisms.py): while a person is on `source`'s list, from `delay_days` after the entry until
`lift_days` after the listing ends, the declaring regime also restricts the rule's domains.
The joint run reads the member runs each month (the same lives, the same dice) and folds the
union of every member's restrictions, plus the joint rules', into one tracker, so the report
can set the bundled system beside the regimes run alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS, MASK, Mask
from bureau.policy.engine import LinearRun, ListRun
from bureau.policy.mechanisms import JointRule
from bureau.policy.population import MonthEvents, Population
from bureau.policy.spells import Spell, covered_days
from bureau.policy.tracking import Tracker

Run = LinearRun | ListRun
I32 = NDArray[np.int32]


@dataclass
class JointMetrics:
    """The bundled system's numbers (same definitions as the regimes' own, docs/policy.md)."""

    name: str
    members: list[str]
    rules: list[str]
    share_sanctioned: float
    median_years_sanctioned: float | None
    domains_per_sanctioned: float | None
    share_wrongly_sanctioned: float
    share_restricted_by_joint_rules: float
    disparity_ratio: float | None
    domain_shares: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _window(rule: JointRule, source: ListRun, d0: int, d1: int) -> tuple[I32, NDArray[np.bool_]]:
    """Days of [d0, d1) inside each person's joint window, and whether the listing is true."""
    listed = source.start >= 0
    begin = source.start + rule.delay_days
    end = source.end + rule.lift_days
    days = np.where(listed, np.minimum(end, d1) - np.maximum(begin, d0), 0).clip(0)
    return days.astype(np.int32), ~source.wrong


def _own_spells(run: Run, mask: Mask, d0: int, d1: int) -> list[Spell]:
    """The member's restriction spells this month: a listing's days, a score's whole month,
    and a company's listing reaching its representative (representatives.py)."""
    restricted = mask != 0
    if isinstance(run, ListRun):
        listed = (run.start >= 0) & restricted
        spells = [(np.where(listed, run.start, d1), np.where(listed, run.restricted_end(), d1))]
        if run.representatives is not None:
            spells.append(run.representatives.spell)
        return spells
    return [(np.where(restricted, d0, d1), np.full(len(mask), d1))]


class JointRun:
    """The bundle of regimes connected by joint rules, measured as one system."""

    def __init__(self, members: Sequence[Run], pop: Population, months: int, start: int) -> None:
        self.members = list(members)
        by_id = {r.regime.id: r for r in self.members}
        self.rules: list[tuple[Run, JointRule, ListRun]] = []
        for run in self.members:
            for rule in run.lab.mechanisms.joint:
                source = by_id.get(rule.source)
                if source is None:
                    continue
                if not isinstance(source, ListRun):
                    raise ValueError(
                        f"{run.regime.id}: joint.{rule.name}.source: {rule.source!r} keeps no "
                        "list (its scoring.kind is not 'list')"
                    )
                self.rules.append((run, rule, source))
        self.name = " + ".join(r.regime.id for r in self.members)
        self.pop = pop
        self.tracker = Tracker(pop.size, months, pop.protected, ("clear", "restricted"), start)
        self.by_rule = np.zeros(pop.size, bool)
        self.joint_mask = np.zeros(pop.size, MASK)  # the month's joint-rule restrictions
        self.start = start

    def step(self, ev: MonthEvents) -> None:
        """Fold in the month the members have just run."""
        d0, d1 = ev.first_day, ev.end_day
        n = self.pop.size
        mask_all = np.zeros(n, MASK)
        mask_true = np.zeros(n, MASK)
        spells: list[Spell] = []
        for run in self.members:
            own = run.applications.mask_all
            mask_all |= own
            mask_true |= run.applications.mask_true
            spells += _own_spells(run, own, d0, d1)
        joint = np.zeros(n, MASK)
        for run, rule, source in self.rules:
            reached, true = _window(rule, source, d0, d1)
            bits = sum(DOMAIN_BIT[d] for d in rule.domains)
            rule_mask = run.reach.apply(np.where(reached > 0, bits, 0).astype(MASK))
            joint |= rule_mask
            mask_all |= rule_mask
            mask_true |= np.where(true, rule_mask, 0).astype(MASK)
            on = rule_mask != 0
            begin, end = source.start + rule.delay_days, source.end + rule.lift_days
            spells.append((np.where(on, begin, d1), np.where(on, end, d1)))
        # Days restricted by any member or rule: the union of the spells (spells.py).
        days = covered_days(spells, d0, d1, n)
        self.joint_mask = joint
        if ev.month >= self.start:
            self.by_rule |= joint != 0
        sanctioned = mask_all != 0
        band = sanctioned.astype(np.intp)
        standing = (~sanctioned).astype(np.float32)
        self.tracker.observe(ev)
        self.tracker.record(ev.month, standing, band, mask_all, mask_true, days)

    def summary(self) -> JointMetrics:
        t = self.tracker
        n = self.pop.size
        sanctioned = t.ever
        count = np.zeros(n, np.int8)
        shares: dict[str, float] = {}
        for d in DOMAINS:
            has = (t.domains & DOMAIN_BIT[d]) != 0
            count += has
            shares[d] = float(has.mean())
        prot = self.pop.protected
        s_prot = float(sanctioned[prot].mean()) if prot.any() else 0.0
        s_oth = float(sanctioned[~prot].mean()) if (~prot).any() else 0.0
        years = t.days[sanctioned] / 365.0
        return JointMetrics(
            name=self.name,
            members=[r.regime.id for r in self.members],
            rules=[f"{run.regime.id}: {rule.name}" for run, rule, _ in self.rules],
            share_sanctioned=float(sanctioned.mean()),
            median_years_sanctioned=float(np.median(years)) if len(years) else None,
            domains_per_sanctioned=float(count[sanctioned].mean()) if sanctioned.any() else None,
            share_wrongly_sanctioned=float(t.wrong_ever.mean()),
            share_restricted_by_joint_rules=float(self.by_rule.mean()),
            disparity_ratio=s_prot / s_oth if s_oth > 0 else None,
            domain_shares=shares,
        )


def bundles(runs: Sequence[Run], pop: Population, months: int, start: int) -> list[JointRun]:
    """One joint run per group of regimes linked by joint rules (a rule whose source is not
    among the regimes compared links nothing: that regime then runs alone only)."""
    ids = {r.regime.id: i for i, r in enumerate(runs)}
    parent = list(range(len(runs)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, run in enumerate(runs):
        for rule in run.lab.mechanisms.joint:
            j = ids.get(rule.source)
            if j is not None:
                parent[root(i)] = root(j)
    groups: dict[int, list[Run]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(root(i), []).append(run)
    return [JointRun(g, pop, months, start) for g in groups.values() if len(g) > 1]
