"""dispute.deadline: the scheduled pass's finder of disputes whose furnisher's answer is due
within the regime's `dispute.furnisher_reminder_business_days` (dispute.received,
report.corrected and notice.created come from the typed domain events,
`bureau.webhooks.handlers`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bureau.policy.regime import live_rules
from bureau.webhooks import repo
from bureau.webhooks.events import WebhookEvent
from disputes import deadlines


def due_events(conn: psycopg.Connection[Any], now: datetime) -> Iterator[tuple[str, WebhookEvent]]:
    days = live_rules().dispute.furnisher_reminder_business_days
    today = deadlines.receipt_date(now)
    # A generous calendar bound for the query; the business-day rule decides below.
    for row in repo.disputes_awaiting_furnisher(conn, today + timedelta(days=days * 2 + 14)):
        if deadlines.add_business_days(today, days) < row.due_at:
            continue
        data = {"dispute_id": str(row.dispute_id), "item_kind": row.item_kind,
                "due_on": row.due_at.isoformat(), "business_days_before": days}  # fmt: skip
        yield (f"dispute.deadline:{row.dispute_id}:{row.due_at.isoformat()}",
               WebhookEvent("dispute.deadline", row.furnisher_id, data))  # fmt: skip
