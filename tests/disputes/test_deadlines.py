"""The dispute clock as §611 counts it: business days for the steps, calendar days for limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bureau import business_days
from bureau.policy.regime import live_rules
from disputes import deadlines
from disputes.deadlines import (
    add_business_days,
    add_calendar_days,
    clock_for,
    deletion_day,
    is_business_day,
    is_overdue,
)

RULES = live_rules().dispute
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2070, 12, 31))
counts = st.integers(min_value=0, max_value=40)


def business_days_between(start: date, end: date) -> int:
    """Business days in (start, end], counted one by one as a check on the arithmetic."""
    return sum(
        1 for k in range(1, (end - start).days + 1) if is_business_day(start + timedelta(days=k))
    )


# Calendar facts, from the library's calendar -------------------------------------------------


def test_weekends_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert not is_business_day(date(2026, 11, 29))  # Sunday
    assert is_business_day(date(2026, 11, 30))  # Monday


def test_federal_holidays_and_their_observed_days_are_not_business_days() -> None:
    assert not is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(date(2026, 7, 3))  # Independence Day observed (Friday)
    assert not is_business_day(date(2027, 12, 31))  # New Year's Day 2028 observed in 2027
    assert not is_business_day(date(2026, 6, 19))  # Juneteenth


def test_forwarding_deadline_skips_thanksgiving_and_the_weekend() -> None:
    received = date(2026, 11, 25)  # Wednesday before Thanksgiving
    # Fri 27, Mon 30, Tue 1, Wed 2, Thu 3: the holiday and the weekend do not count.
    assert add_business_days(received, RULES.forward_business_days) == date(2026, 12, 3)


def test_forwarding_deadline_skips_an_observed_holiday() -> None:
    received = date(2026, 7, 2)  # Thursday; Friday 3 July is Independence Day observed
    assert add_business_days(received, 5) == date(2026, 7, 10)


def test_reinvestigation_limit_counts_calendar_days_even_into_a_holiday() -> None:
    received = date(2026, 11, 25)
    clock = clock_for(received)
    assert clock.resolve_by == date(2026, 12, 25)  # 30 calendar days; Christmas is still day 30
    assert clock.resolve_by_extended == date(2027, 1, 9)  # 45 calendar days


def test_unverified_item_is_deleted_on_the_first_business_day_after_the_limit() -> None:
    due = date(2026, 12, 25)  # Friday, Christmas
    assert deletion_day(due) == date(2026, 12, 28)  # Monday
    assert not is_overdue(due, date(2026, 12, 25))
    assert not is_overdue(due, date(2026, 12, 27))  # Sunday: not yet
    assert is_overdue(due, date(2026, 12, 28))


def test_results_and_reinsertion_notices_are_due_in_business_days() -> None:
    completed = date(2026, 12, 24)  # Thursday before Christmas
    # Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 Jan holiday), Mon 4 Jan.
    assert deadlines.results_notice_by(completed) == date(2027, 1, 4)
    assert deadlines.reinsertion_notice_by(completed) == date(2027, 1, 4)
    assert deadlines.frivolous_notice_by(completed) == date(2027, 1, 4)


def test_information_extends_only_within_the_first_period() -> None:
    received = date(2026, 3, 2)
    assert deadlines.extension_applies(received, received)
    assert deadlines.extension_applies(received, received + timedelta(days=30))
    assert not deadlines.extension_applies(received, received + timedelta(days=31))
    with pytest.raises(ValueError):
        deadlines.extension_applies(received, received - timedelta(days=1))


def test_past_recipient_windows_come_from_the_regime() -> None:
    asked = date(2026, 12, 1)
    assert deadlines.past_recipient_since(asked, employment=False) == asked - timedelta(days=180)
    assert deadlines.past_recipient_since(asked, employment=True) == asked - timedelta(days=730)


def test_periods_are_read_from_the_regime_not_constants() -> None:
    stricter = replace(RULES, forward_business_days=2, resolve_days=10, resolve_days_extended=20)
    clock = clock_for(date(2026, 11, 25), stricter)
    assert clock.forward_by == date(2026, 11, 30)
    assert clock.resolve_by == date(2026, 12, 5)
    assert clock.resolve_by_extended == date(2026, 12, 15)


def test_receipt_day_is_the_day_at_the_bureau_not_the_utc_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 22:30 in New York on 25 November is 03:30 UTC on the 26th: filed on the 25th at the bureau.
    late_evening_new_york = datetime(2026, 11, 26, 3, 30, tzinfo=UTC)
    monkeypatch.delenv("FAIRFILE_BUSINESS_TIMEZONE", raising=False)
    business_days.business_zone.cache_clear()
    try:
        assert deadlines.receipt_date(late_evening_new_york) == date(2026, 11, 25)
        assert clock_for(deadlines.receipt_date(late_evening_new_york)).resolve_by == date(
            2026, 12, 25
        )
        monkeypatch.setenv("FAIRFILE_BUSINESS_TIMEZONE", "Asia/Tokyo")
        business_days.business_zone.cache_clear()
        # the same moment is already 12:30 on the 26th in Tokyo
        assert deadlines.receipt_date(late_evening_new_york) == date(2026, 11, 26)
    finally:
        monkeypatch.delenv("FAIRFILE_BUSINESS_TIMEZONE", raising=False)
        business_days.business_zone.cache_clear()
    with pytest.raises(ValueError):
        deadlines.receipt_date(datetime(2026, 11, 25, 12, 0))


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        add_calendar_days(date(2026, 1, 5), -1)


# Properties -------------------------------------------------------------------------------


@given(days, counts)
def test_business_day_deadline_never_falls_on_a_weekend_or_holiday(start: date, n: int) -> None:
    due = add_business_days(start, n)
    assert due.weekday() < 5
    assert due not in deadlines.federal_holidays(due.year)


@given(days, counts)
def test_business_day_deadline_is_never_earlier_than_the_calendar_count(
    start: date, n: int
) -> None:
    assert add_business_days(start, n) >= add_calendar_days(start, n)


@given(days, st.integers(min_value=1, max_value=40))
def test_business_day_deadline_counts_exactly_n_business_days_after_receipt(
    start: date, n: int
) -> None:
    due = add_business_days(start, n)
    assert due > start
    assert business_days_between(start, due) == n
    assert business_days_between(start, due - timedelta(days=1)) == n - 1


@given(days, counts, counts)
def test_more_business_days_never_give_an_earlier_deadline(start: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert add_business_days(start, low) <= add_business_days(start, high)


@given(days)
def test_clock_forward_deadline_is_a_business_day_never_before_receipt(received: date) -> None:
    clock = clock_for(received)
    assert clock.forward_by > received
    assert is_business_day(clock.forward_by)
    assert is_business_day(clock.frivolous_notice_by)
    assert clock.resolve_by == received + timedelta(days=RULES.resolve_days)
    assert clock.resolve_by_extended >= clock.resolve_by
    assert (clock.resolve_by_extended - clock.resolve_by).days == (
        RULES.resolve_days_extended - RULES.resolve_days
    )
    assert clock.forward_by < clock.resolve_by


@given(days, st.integers(min_value=0, max_value=20))
def test_deletion_never_happens_on_or_before_the_due_day(due: date, k: int) -> None:
    assert not is_overdue(due, due - timedelta(days=k))
    first = deletion_day(due)
    assert first > due and is_business_day(first)
    assert is_overdue(due, first)
    assert is_overdue(due, first + timedelta(days=k))
    # No business day lies strictly between the due day and the deletion day.
    assert business_days_between(due, first) == 1
