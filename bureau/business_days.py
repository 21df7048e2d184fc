"""Business days and the bureau's business date: the calendar every legal clock counts on.

Why in the core: the dispute clock (disputes/deadlines.py) and the file read (an item whose
dispute passed its deadline unverified is left out from its deletion day, whether or not the
deadline job has run) must count the same days, and the file is read by packages that may not
import `disputes`.

"Business day" is Monday to Friday except a US federal legal holiday, observed dates included
(the convention the CFPB uses for Regulation V), from the maintained `holidays` package. The
business date of a moment is its calendar day in the bureau's business time zone
(FAIRFILE_BUSINESS_TIMEZONE), not the UTC date.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays

from bureau.config import business_timezone
from bureau.policy.regime import DisputeRules

_SATURDAY = 5


@cache
def business_zone() -> ZoneInfo:
    """The bureau's business time zone, read once (start-up has already validated it)."""
    return business_timezone(os.environ)


def business_date(at: datetime, zone: ZoneInfo | None = None) -> date:
    """The calendar day `at` falls on at the bureau (its business time zone)."""
    if at.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return at.astimezone(zone or business_zone()).date()


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """US federal legal holidays falling in `year`, observed dates included (cached per year)."""
    calendar = holidays.country_holidays("US", years=year)
    return frozenset(day for day in calendar if day.year == year)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a federal holiday (observed)."""
    return day.weekday() < _SATURDAY and day not in federal_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The `count`-th business day after `start` (`start` itself never counts).

    With `count == 0`, the first business day on or after `start`: a step due "at once" that
    falls on a weekend is due on the next business day.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    day = start
    if count == 0:
        while not is_business_day(day):
            day += timedelta(days=1)
        return day
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def deletion_day(due_on: date, rules: DisputeRules) -> date:
    """The day an item still unverified leaves the file: the regime's business days past due."""
    return add_business_days(due_on, rules.deletion_business_days_after_due)


@lru_cache(maxsize=64)
def latest_due_deleted_by(today: date, rules: DisputeRules) -> date:
    """The last due day whose unverified items are off the file on `today`.

    Cached (a pure function of the day and the rules): every report pull and file read asks
    it, and walking back over business days took 70 µs of each.

    `deletion_day` never decreases as the due day grows, so the due days already past their
    deletion day are exactly those up to this one: a file read can leave them out with one
    indexed comparison (`due_at <= this`) instead of computing each dispute's day in Python.
    """
    due = today
    while deletion_day(due, rules) > today:
        due -= timedelta(days=1)
    return due
