"""grant.expired: the scheduled pass's finder of grants that ran out (created and revoked
come from the typed domain events, `bureau.webhooks.handlers`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bureau.webhooks import repo
from bureau.webhooks.events import WebhookEvent

LOOKBACK = timedelta(days=7)
"""How far back a pass looks for expiries it has not emitted (a bureau down for a week still
tells of them once)."""


def due_events(conn: psycopg.Connection[Any], now: datetime) -> Iterator[tuple[str, WebhookEvent]]:
    for row in repo.expired_grants(conn, now, now - LOOKBACK):
        data = {
            "grant_id": str(row.grant_id),
            "purpose": row.purpose,
            "scope": row.scope,
            "expires_at": row.expires_at.isoformat(),
        }
        yield (f"grant.expired:{row.grant_id}",
               WebhookEvent("grant.expired", row.requester_org_id, data))  # fmt: skip
