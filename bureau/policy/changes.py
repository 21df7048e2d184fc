"""Dated changes of a regime: the law on a calendar, so one run straddles a reform.

Why dated rather than a second regime file: the 2019 State Council guidance (seed 000) did not
create new systems; it changed the running ones from a date. Only serious violations could be
blacklisted from then on, and Rongcheng turned its scheme opt-in with no penalty for low
scores. People listed or scored before the date carry their records across it, which two
separate runs cannot show.

    [calendar]
    first_year = 2014          # the calendar year of the first measured month (after burn-in)
    [[changes]]
    name = "serious-only-2019"
    year = 2019                # takes effect at the start of that year
    serious_only = true        # a list regime lists serious violations only (procedure.py)
    penalties = false          # the bands restrict no life domain any more
    opt_in_share = 0.2         # the share of people who choose to stay scored
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bureau.policy.mechanisms import Problems, _number, named_tables

CHANGE_KEYS = {"name", "year", "serious_only", "penalties", "opt_in_share"}
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass(frozen=True)
class Change:
    """What changes from `year` on; None leaves that rule as it was."""

    name: str
    year: int
    serious_only: bool | None = None
    penalties: bool | None = None
    opt_in_share: float | None = None

    def month(self, first_year: int, start: int) -> int:
        """The simulated month the change takes effect, `start` being the first measured one
        (a change dated before the window applies from the first simulated month)."""
        return max(0, start + 12 * (self.year - first_year))


@dataclass(frozen=True)
class Calendar:
    first_year: int
    changes: tuple[Change, ...]


def _flag(item: dict[str, Any], path: str, problems: Problems) -> bool | None:
    key = path.rsplit(".", 1)[-1]
    if key not in item:
        return None
    value = item[key]
    if not isinstance(value, bool):
        problems.append((path, f"expected true or false, got {value!r}"))
        return None
    return value


def parse_calendar(doc: dict[str, Any], is_list: bool, problems: Problems) -> Calendar | None:
    """`[calendar]` and `[[changes]]` (absent: the regime never changes during a run)."""
    raw = doc.get("changes")
    head = doc.get("calendar")
    if raw is None and head is None:
        return None
    if not isinstance(head, dict):
        problems.append(("calendar", "missing table: dated changes need [calendar] first_year"))
        return None
    for key in head:
        if key != "first_year":
            problems.append((f"calendar.{key}", "unknown field"))
    first = round(_number(head, "calendar.first_year", problems, FIRST_YEAR, LAST_YEAR))
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(("changes", "expected a list of [[changes]] tables"))
        return Calendar(first, ())
    out: list[Change] = []
    for name, path, item in named_tables(raw, "changes", CHANGE_KEYS, problems):
        year = round(_number(item, f"{path}.year", problems, FIRST_YEAR, LAST_YEAR))
        serious = _flag(item, f"{path}.serious_only", problems)
        if serious is not None and not is_list:
            problems.append((f"{path}.serious_only", "only a list regime lists violations"))
        penalties = _flag(item, f"{path}.penalties", problems)
        share = None
        if "opt_in_share" in item:
            share = _number(item, f"{path}.opt_in_share", problems, 0, 1)
        if serious is None and penalties is None and share is None:
            problems.append(
                (path, "changes nothing (give serious_only, penalties or opt_in_share)")
            )
        out.append(Change(name, year, serious, penalties, share))
    if [c.year for c in out] != sorted(c.year for c in out):
        problems.append(("changes", "list changes in date order"))
    if len({c.name for c in out}) != len(out):
        problems.append(("changes", "change names must be unique"))
    return Calendar(first, tuple(out))


class ChangeBook:
    """A regime's dated changes, each handed out once, in the month it takes effect."""

    def __init__(self, calendar: Calendar | None, start: int) -> None:
        self.by_month: dict[int, list[Change]] = defaultdict(list)
        if calendar is not None:
            for change in calendar.changes:
                self.by_month[change.month(calendar.first_year, start)].append(change)
        self.last = -1

    def due(self, month: int) -> list[Change]:
        """Changes taking effect in `month` (and any skipped since the last call)."""
        out = [c for m in sorted(self.by_month) if self.last < m <= month for c in self.by_month[m]]
        self.last = max(self.last, month)
        return out
