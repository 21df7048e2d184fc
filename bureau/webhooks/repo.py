"""SQL for webhook endpoints, the outbox (deliveries), attempts, and events emitted once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from bureau.db.write import Write
from bureau.webhooks.schemas import EndpointOut, OrgNoticeOut


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery leased for sending, with what sending it needs from its endpoint."""

    message_id: str
    endpoint_id: UUID
    org_id: UUID
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    url: str
    secret_sealed: bytes | None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """A delivery as its organization lists it, with its attempts (JSON objects, oldest first)."""

    message_id: str
    endpoint_id: UUID
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    given_up_at: datetime | None
    attempt_list: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ExpiredGrant:
    grant_id: UUID
    requester_org_id: UUID
    purpose: str
    scope: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AwaitingFurnisher:
    """An open dispute forwarded to a furnisher that listens for dispute.deadline."""

    dispute_id: UUID
    furnisher_id: UUID
    item_kind: str
    due_at: date
    received_at: datetime


# Endpoints --------------------------------------------------------------------------------------


def insert_endpoint(
    conn: psycopg.Connection[Any],
    endpoint_id: UUID,
    org_id: UUID,
    url: str,
    event_types: list[str],
    secret_sealed: bytes,
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO webhook_endpoints (endpoint_id, org_id, url, event_types, secret_sealed,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s)",
        (endpoint_id, org_id, url, event_types, secret_sealed, now),
    )


def plaintext_secrets(conn: psycopg.Connection[Any]) -> list[tuple[UUID, str]]:
    """Endpoints whose secret predates sealing (migration 0180), locked until sealed."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT endpoint_id, secret FROM webhook_endpoints WHERE secret IS NOT NULL "
            "ORDER BY endpoint_id FOR UPDATE"
        )
        return [(endpoint_id, str(secret)) for endpoint_id, secret in cur.fetchall()]


def store_sealed_secret(conn: psycopg.Connection[Any], endpoint_id: UUID, sealed: bytes) -> None:
    conn.execute(
        "UPDATE webhook_endpoints SET secret_sealed = %s, secret = NULL WHERE endpoint_id = %s",
        (sealed, endpoint_id),
    )


_ENDPOINT_COLUMNS = "endpoint_id, org_id, url, event_types, created_at, failing_since, disabled_at"


def endpoints(conn: psycopg.Connection[Any], org_id: UUID) -> list[EndpointOut]:
    with conn.cursor(row_factory=class_row(EndpointOut)) as cur:
        cur.execute(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE org_id = %s "
            "ORDER BY created_at, endpoint_id",
            (org_id,),
        )
        return cur.fetchall()


def disable_endpoint(
    conn: psycopg.Connection[Any], org_id: UUID, endpoint_id: UUID, now: datetime
) -> bool:
    cur = conn.execute(
        "UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, %s) "
        "WHERE org_id = %s AND endpoint_id = %s",
        (now, org_id, endpoint_id),
    )
    return cur.rowcount == 1


def subscribed_endpoints(
    conn: psycopg.Connection[Any], org_id: UUID, event_type: str
) -> list[UUID]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT endpoint_id FROM webhook_endpoints "
            "WHERE org_id = %s AND disabled_at IS NULL AND %s = ANY (event_types) "
            "ORDER BY endpoint_id",
            (org_id, event_type),
        )
        return [endpoint_id for (endpoint_id,) in cur.fetchall()]


# Deliveries -------------------------------------------------------------------------------------


def insert_delivery(
    conn: psycopg.Connection[Any],
    message_id: str,
    endpoint_id: UUID,
    org_id: UUID,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO webhook_deliveries (message_id, endpoint_id, org_id, event_type, payload,"
        " created_at, next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (message_id, endpoint_id, org_id, event_type, Jsonb(payload), now, now),
    )


def claim_due(
    conn: psycopg.Connection[Any], now: datetime, limit: int, lease: timedelta
) -> list[DueDelivery]:
    """Due deliveries of enabled endpoints, leased for `lease` (another worker skips them; a
    worker that dies mid-send leaves them to be retried when the lease runs out)."""
    with conn.cursor(row_factory=class_row(DueDelivery)) as cur:
        cur.execute(
            """
            WITH due AS (
                SELECT d.message_id FROM webhook_deliveries d
                JOIN webhook_endpoints e USING (endpoint_id)
                WHERE d.next_attempt_at <= %s AND e.disabled_at IS NULL
                ORDER BY d.next_attempt_at, d.message_id
                LIMIT %s
                FOR UPDATE OF d SKIP LOCKED
            )
            UPDATE webhook_deliveries d SET next_attempt_at = %s, attempts = d.attempts + 1
            FROM due, webhook_endpoints e
            WHERE d.message_id = due.message_id AND e.endpoint_id = d.endpoint_id
            RETURNING d.message_id, d.endpoint_id, d.org_id, d.event_type, d.payload,
                      d.created_at, d.attempts, e.url, e.secret_sealed
            """,
            (now, limit, now + lease),
        )
        return cur.fetchall()


def record_attempt(
    conn: psycopg.Connection[Any],
    message_id: str,
    attempt: int,
    now: datetime,
    status_code: int | None,
    error: str | None,
) -> None:
    conn.execute(
        "INSERT INTO webhook_attempts (message_id, attempt, at, status_code, error) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (message_id, attempt, now, status_code, error),
    )


def settle_delivered(conn: psycopg.Connection[Any], message_id: str, endpoint_id: UUID,
                     now: datetime) -> None:  # fmt: skip
    conn.execute(
        "UPDATE webhook_deliveries SET delivered_at = %s, next_attempt_at = NULL "
        "WHERE message_id = %s",
        (now, message_id),
    )
    conn.execute(
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE endpoint_id = %s", (endpoint_id,)
    )


def schedule_retry(
    conn: psycopg.Connection[Any], message_id: str, endpoint_id: UUID, at: datetime | None,
    now: datetime,
) -> datetime:  # fmt: skip
    """Retry at `at` (None: give up); returns since when the endpoint has been failing."""
    conn.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = %s, "
        "given_up_at = CASE WHEN %s::timestamptz IS NULL THEN %s END WHERE message_id = %s",
        (at, at, now, message_id),
    )
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, %s) "
            "WHERE endpoint_id = %s RETURNING failing_since",
            (now, endpoint_id),
        )
        row = cur.fetchone()
    assert row is not None, "the delivery's endpoint exists (its foreign key)"
    failing_since: datetime = row[0]
    return failing_since


def disable_failing(conn: psycopg.Connection[Any], endpoint_id: UUID, now: datetime) -> bool:
    """Disable an endpoint (once); True when this call disabled it."""
    cur = conn.execute(
        "UPDATE webhook_endpoints SET disabled_at = %s "
        "WHERE endpoint_id = %s AND disabled_at IS NULL",
        (now, endpoint_id),
    )
    return cur.rowcount == 1


def deliveries(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    after: tuple[str, str] | None,
    limit: int,
) -> list[DeliveryRow]:
    """The organization's deliveries, newest first, after a cursor (created_at, message_id)."""
    with conn.cursor(row_factory=class_row(DeliveryRow)) as cur:
        cur.execute(
            """
            SELECT d.message_id, d.endpoint_id, d.event_type, d.payload, d.created_at,
                   d.attempts, d.next_attempt_at, d.delivered_at, d.given_up_at,
                   COALESCE((SELECT json_agg(json_build_object(
                                'attempt', a.attempt, 'at', a.at,
                                'status_code', a.status_code, 'error', a.error)
                             ORDER BY a.attempt)
                             FROM webhook_attempts a WHERE a.message_id = d.message_id),
                            '[]'::json) AS attempt_list
            FROM webhook_deliveries d
            WHERE d.org_id = %s
              AND (%s::timestamptz IS NULL OR (d.created_at, d.message_id) < (%s, %s))
            ORDER BY d.created_at DESC, d.message_id DESC
            LIMIT %s
            """,
            (org_id, after[0] if after else None, after[0] if after else None,
             after[1] if after else None, limit),
        )  # fmt: skip
        return cur.fetchall()


# Events emitted once, notices ---------------------------------------------------------------


def claim_event_key(conn: psycopg.Connection[Any], key: str, now: datetime) -> bool:
    """True the first time `key` is claimed (a time-driven event is emitted once)."""
    cur = conn.execute(
        "INSERT INTO webhook_emitted (event_key, emitted_at) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING",
        (key, now),
    )
    return cur.rowcount == 1


def expired_grants(
    conn: psycopg.Connection[Any], now: datetime, since: datetime
) -> list[ExpiredGrant]:
    """Grants that ran out in (since, now], to organizations listening for grant.expired on an
    endpoint that existed when the grant ran out (so registering never replays history)."""
    with conn.cursor(row_factory=class_row(ExpiredGrant)) as cur:
        cur.execute(
            """
            SELECT g.grant_id, g.requester_org_id, g.purpose, g.scope, g.expires_at
            FROM consent_grants g
            WHERE g.revoked_at IS NULL AND g.expires_at <= %s AND g.expires_at > %s
              AND EXISTS (SELECT 1 FROM webhook_endpoints e
                          WHERE e.org_id = g.requester_org_id AND e.disabled_at IS NULL
                            AND 'grant.expired' = ANY (e.event_types)
                            AND e.created_at <= g.expires_at)
            ORDER BY g.expires_at, g.grant_id
            """,
            (now, since),
        )
        return cur.fetchall()


def insert_org_notice(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    notice_id: UUID,
    kind: str,
    body: dict[str, Any],
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO org_notices (org_id, notice_id, kind, body, created_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        (org_id, notice_id, kind, Jsonb(body), now),
    )


def org_notices(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[OrgNoticeOut]:
    """Notices to the organization about its own account, newest first, from after the
    (created_at, notice_id) key `after` (served by `org_notices_page`)."""
    with conn.cursor(row_factory=class_row(OrgNoticeOut)) as cur:
        cur.execute(
            "SELECT notice_id, kind, body, created_at FROM org_notices WHERE org_id = %(org)s "
            "AND (%(after_at)s::timestamptz IS NULL "
            "OR (created_at, notice_id) < (%(after_at)s, %(after_id)s::uuid)) "
            "ORDER BY created_at DESC, notice_id DESC LIMIT %(limit)s",
            {"org": org_id, "limit": limit, "after_at": after[0] if after else None,
             "after_id": after[1] if after else None},
        )  # fmt: skip
        return cur.fetchall()


def disputes_awaiting_furnisher(
    conn: psycopg.Connection[Any], due_by: date
) -> list[AwaitingFurnisher]:
    """Open disputes forwarded to a furnisher, due by `due_by`, whose furnisher listens for
    dispute.deadline."""
    with conn.cursor(row_factory=class_row(AwaitingFurnisher)) as cur:
        cur.execute(
            """
            SELECT d.dispute_id, d.furnisher_id, d.item_kind, d.due_at, d.received_at
            FROM disputes d
            WHERE d.closed_at IS NULL AND d.state = 'forwarded' AND d.due_at <= %s
              AND d.furnisher_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM webhook_endpoints e
                          WHERE e.org_id = d.furnisher_id AND e.disabled_at IS NULL
                            AND 'dispute.deadline' = ANY (e.event_types))
            ORDER BY d.due_at, d.dispute_id
            """,
            (due_by,),
        )
        return cur.fetchall()


_OUTBOX_SQL = """
    INSERT INTO webhook_deliveries (message_id, endpoint_id, org_id, event_type, payload,
                                    created_at, next_attempt_at)
    SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.endpoint_id, e.org_id,
           %(event_type)s, jsonb_build_object('type', %(event_type)s::text,
               'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               'data', %(data)s::jsonb),
           now(), now()
    FROM webhook_endpoints e
    WHERE e.org_id = {org}
      AND e.disabled_at IS NULL AND %(event_type)s = ANY (e.event_types)
"""
OUTBOX_SQL = _OUTBOX_SQL.format(org="%(org_id)s::uuid")
GRANT_OUTBOX_SQL = _OUTBOX_SQL.format(
    org="(SELECT requester_org_id FROM consent_grants "
    "WHERE subject_id = %(subject_id)s AND grant_id = %(grant_id)s)"
)
"""The outbox rows of an event for the organization named, or for the grant's requester (the
grant found by its subject and id: one shard on Citus)."""


def outbox_write(
    event_type: str,
    data: dict[str, Any],
    *,
    org_id: UUID | str | None = None,
    grant: tuple[UUID, UUID] | None = None,
) -> Write:
    """The outbox rows of one event, as a write for the events bus: one per subscribed endpoint
    of the organization (named, or found as the requester of `grant`, (subject id, grant
    id)), or none."""
    name = "webhook_outbox_" + event_type.replace(".", "_")
    if grant is not None:
        subject_id, grant_id = grant
        return Write(
            name,
            GRANT_OUTBOX_SQL,
            {
                "event_type": event_type,
                "data": Jsonb(data),
                "subject_id": subject_id,
                "grant_id": grant_id,
            },
        )
    org = UUID(str(org_id)) if org_id is not None else None
    return Write(name, OUTBOX_SQL, {"event_type": event_type, "data": Jsonb(data),
                                    "org_id": org})  # fmt: skip
