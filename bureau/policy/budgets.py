"""Point budgets: a cap on the points a group of rules may take from one person at a time.

Why: Suining's table (seed 003, table 3) gives each category of conduct a budget (commercial
150, social services 120, social management 530, special 200) and each rule inside it one of
its own (bank loans 50, tax 50, false accusation 100, ...). Without the caps a person with
many records falls far below what the county's table allows; with them a category stops
deducting once its budget is spent, and deducts again as its records recover.

A budget counts the deductions currently held (not yet recovered). A deduction later removed
on a dispute keeps its share of the budget until its recovery date (a simplification; the
regimes with budgets have no dispute procedure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class _Checker(Protocol):
    """The part of schema's checker a budget table needs (kept here so schema imports us,
    not the other way round)."""

    doc: dict[str, Any]
    events: Mapping[str, Any]

    def fail(self, field: str, reason: str) -> None: ...

    def number(
        self,
        table: dict[str, Any],
        path: str,
        *,
        lo: float | None = ...,
        hi: float | None = ...,
        default: float | None = ...,
    ) -> float: ...

    def names(
        self, value: Any, path: str, known: frozenset[str] | tuple[str, ...], what: str
    ) -> list[str]: ...


BUDGET_KEYS = {"name", "points", "events"}


@dataclass(frozen=True)
class Budget:
    """At most `points` held at once from the records of `events`."""

    name: str
    points: float
    events: tuple[str, ...]


def parse_budgets(check: _Checker, items: dict[str, float]) -> tuple[Budget, ...]:
    """`[[budgets]]`: each a name, a number of points and the scored events it covers."""
    raw = check.doc.get("budgets", [])
    if not isinstance(raw, list):
        check.fail("budgets", "expected a list of [[budgets]] tables")
        return ()
    out: list[Budget] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            check.fail(f"budgets.{i}", "expected a table")
            continue
        name = item.get("name")
        path = f"budgets.{name if isinstance(name, str) and name else i}"
        if not isinstance(name, str) or not name:
            check.fail(f"{path}.name", "missing or empty")
            continue
        for key in item:
            if key not in BUDGET_KEYS:
                check.fail(f"{path}.{key}", "unknown field")
        points = check.number(item, f"{path}.points", lo=0)
        events = check.names(item.get("events"), f"{path}.events", tuple(check.events), "event")
        for event in events:
            if items.get(event, 0) >= 0:
                check.fail(f"{path}.events", f"{event!r} is not a deduction in scoring.items")
        out.append(Budget(name, points, tuple(events)))
    names = [b.name for b in out]
    if len(set(names)) != len(names):
        check.fail("budgets", "budget names must be unique")
    return tuple(out)


class BudgetBook:
    """Each person's points held per budget, so a deduction is clipped to what is left."""

    def __init__(self, budgets: tuple[Budget, ...], size: int) -> None:
        self.budgets = budgets
        self.held = [np.zeros(size, np.float32) for _ in budgets]
        self.of_event: dict[str, list[int]] = defaultdict(list)
        for i, b in enumerate(budgets):
            for event in b.events:
                self.of_event[event].append(i)
        self.queue: dict[int, list[tuple[str, NDArray[np.int64], NDArray[np.float32]]]] = (
            defaultdict(list)
        )

    def covers(self, event: str) -> bool:
        return event in self.of_event

    def clip(self, event: str, idx: NDArray[np.int64], delta: NDArray[Any]) -> NDArray[Any]:
        """The deductions `delta` (negative) reduced to the room left in every budget that
        covers `event`, and that room taken. People appear once per batch."""
        take = -delta.astype(np.float32)
        for i in self.of_event[event]:
            room = np.maximum(np.float32(self.budgets[i].points) - self.held[i][idx], 0)
            take = np.minimum(take, room)
        for i in self.of_event[event]:
            self.held[i][idx] += take
        return -take

    def hold_until(
        self, month: int, event: str, idx: NDArray[np.int64], taken: NDArray[Any]
    ) -> None:
        """Give the room back when the deduction recovers (in `month`)."""
        self.queue[month].append((event, idx, (-taken).astype(np.float32)))

    def release(self, month: int) -> None:
        for event, idx, amount in self.queue.pop(month, []):
            for i in self.of_event[event]:
                self.held[i][idx] -= amount
