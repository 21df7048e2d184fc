"""The transactional outbox: an event becomes delivery rows in the caller's transaction.

Written inside the transaction of the change that caused it, so a change that rolls back sends
nothing, and a change that commits is delivered even if the bureau stops before sending (the
delivery worker reads the rows after any restart). One row per subscribed endpoint; its id is
the Standard Webhooks `webhook-id`, the same on every retry, so a receiver can deduplicate.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import psycopg

from bureau.webhooks import repo
from bureau.webhooks.events import WebhookEvent


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def record(conn: psycopg.Connection[Any], event: WebhookEvent, now: datetime) -> int:
    """Queue `event` for every enabled endpoint of its organization that subscribes to it.

    Returns how many deliveries were queued (0 when nobody listens: one indexed read).
    """
    endpoints = repo.subscribed_endpoints(conn, event.org_id, event.type)
    for endpoint_id in endpoints:
        message_id = new_message_id()
        payload = {"type": event.type, "timestamp": now.isoformat(), "data": event.data}
        repo.insert_delivery(conn, message_id, endpoint_id, event.org_id, event.type, payload, now)
    return len(endpoints)
