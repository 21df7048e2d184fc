"""The retry schedule: exponential, and covering at least 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bureau.webhooks.schedule import LONGEST_WAIT, next_attempt, should_disable, wait_after


def test_waits_double_from_five_seconds_up_to_two_hours() -> None:
    assert [wait_after(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert wait_after(30) == LONGEST_WAIT


def test_retries_cover_at_least_24_hours_then_stop() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    now, attempts = start, 1
    while (following := next_attempt(attempts, start, now)) is not None:
        now, attempts = following, attempts + 1
    assert now >= start + timedelta(hours=24)
    assert now < start + timedelta(hours=26)


def test_an_endpoint_failing_for_24_hours_is_disabled() -> None:
    since = datetime(2026, 12, 1, tzinfo=UTC)
    assert not should_disable(since, since + timedelta(hours=23, minutes=59))
    assert should_disable(since, since + timedelta(hours=24))
