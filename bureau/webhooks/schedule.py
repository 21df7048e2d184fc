"""When a failed delivery is tried again, and when an endpoint has failed for too long. Pure.

Exponential backoff (5 s, doubling, at most 2 h between tries) for at least 24 hours after
the event: a receiver down for a day still gets everything. An endpoint failing without a
single success for 24 hours is disabled (its organization is told).
"""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(hours=2)
RETRY_FOR = timedelta(hours=24)
DISABLE_AFTER = timedelta(hours=24)


def wait_after(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try (1, 2, …): 5 s, 10 s, 20 s, … capped."""
    return min(FIRST_RETRY * 2 ** (max(attempts, 1) - 1), LONGEST_WAIT)


def next_attempt(attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to try again after `attempts` failures, or None once 24 hours are covered.

    The last retry is the first one at or after `created_at + RETRY_FOR`, so retries span at
    least the full 24 hours.
    """
    if now >= created_at + RETRY_FOR:
        return None
    return now + wait_after(attempts)


def should_disable(failing_since: datetime, now: datetime) -> bool:
    return now - failing_since >= DISABLE_AFTER
