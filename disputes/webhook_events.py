"""What furnishers and past recipients hear about disputes by webhook.

`dispute_received` (a dispute reached a furnisher's inbox), `report_corrected` (a past
recipient of a report is told of a correction) and `notice_created` (a notice addressed to an
organization) are called by the dispute services at the change, in its transaction;
`due_events` finds disputes whose answer is due within the regime's
`dispute.furnisher_reminder_business_days`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from bureau.policy.regime import live_rules
from bureau.webhooks import outbox, repo
from bureau.webhooks.events import WebhookEvent
from disputes import deadlines


def dispute_received(
    conn: psycopg.Connection[Any], furnisher_id: UUID, dispute_id: UUID, item_kind: str,
    due_at: Any, now: datetime,
) -> None:  # fmt: skip
    data = {"dispute_id": str(dispute_id), "item_kind": item_kind, "due_on": str(due_at),
            "inbox": f"/v1/furnisher/disputes/{dispute_id}"}  # fmt: skip
    outbox.record(conn, WebhookEvent("dispute.received", furnisher_id, data), now)


def report_corrected(
    conn: psycopg.Connection[Any], org_id: UUID, dispute_id: UUID, notice_id: UUID,
    now: datetime,
) -> None:  # fmt: skip
    data = {"dispute_id": str(dispute_id), "notice_id": str(notice_id)}
    outbox.record(conn, WebhookEvent("report.corrected", org_id, data), now)


def notice_created(
    conn: psycopg.Connection[Any], org_id: UUID, notice_id: UUID, kind: str, now: datetime
) -> None:
    data = {"notice_id": str(notice_id), "kind": kind}
    outbox.record(conn, WebhookEvent("notice.created", org_id, data), now)


def due_events(conn: psycopg.Connection[Any], now: datetime) -> Iterator[tuple[str, WebhookEvent]]:
    days = live_rules().dispute.furnisher_reminder_business_days
    today = deadlines.receipt_date(now)
    # A generous calendar bound for the query; the business-day rule decides below.
    for row in repo.disputes_awaiting_furnisher(conn, today + timedelta(days=days * 2 + 14)):
        if deadlines.add_business_days(today, days) < row["due_at"]:
            continue
        data = {"dispute_id": str(row["dispute_id"]), "item_kind": row["item_kind"],
                "due_on": row["due_at"].isoformat(), "business_days_before": days}  # fmt: skip
        yield (f"dispute.deadline:{row['dispute_id']}:{row['due_at'].isoformat()}",
               WebhookEvent("dispute.deadline", row["furnisher_id"], data))  # fmt: skip
