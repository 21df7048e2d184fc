"""What lenders hear about their grants by webhook: created, revoked, expired.

`grant_created` and `grant_revoked` are called by the consent service at the change, in its
transaction (to become handlers of the architecture issue's typed domain events once those
land); `due_events` is the scheduled pass's finder of grants that ran out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from bureau.webhooks import outbox, repo
from bureau.webhooks.events import WebhookEvent

LOOKBACK = timedelta(days=7)
"""How far back a pass looks for expiries it has not emitted (a bureau down for a week still
tells of them once)."""


def _terms(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "grant_id": view["grant_id"],
        "purpose": view["purpose"],
        "scope": view["scope"],
        "valid_from": view["valid_from"],
        "expires_at": view["expires_at"],
        "max_uses": view["max_uses"],
    }


def grant_created(conn: psycopg.Connection[Any], view: dict[str, Any], now: datetime) -> None:
    org_id = view["requester"]["org_id"]
    outbox.record(conn, WebhookEvent("grant.created", _uuid(org_id), _terms(view)), now)


def grant_revoked(conn: psycopg.Connection[Any], view: dict[str, Any], now: datetime) -> None:
    org_id = view["requester"]["org_id"]
    data = _terms(view) | {"revoked_at": view["revoked_at"]}
    outbox.record(conn, WebhookEvent("grant.revoked", _uuid(org_id), data), now)


def due_events(conn: psycopg.Connection[Any], now: datetime) -> Iterator[tuple[str, WebhookEvent]]:
    for row in repo.expired_grants(conn, now, now - LOOKBACK):
        data = {
            "grant_id": str(row["grant_id"]),
            "purpose": row["purpose"],
            "scope": row["scope"],
            "expires_at": row["expires_at"].isoformat(),
        }
        yield (f"grant.expired:{row['grant_id']}",
               WebhookEvent("grant.expired", row["requester_org_id"], data))  # fmt: skip


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
