"""SQL for grants, freezes, thaws and fraud alerts (a release's reads are `bureau.reports.repo`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row

from bureau.db import id_routes
from bureau.db.write import Write
from consent.decision import Grant
from consent.views import AlertRow, FreezeRow, GrantRow, ThawRow

GRANT_SELECT = """
    SELECT g.grant_id, g.subject_id,
           json_build_object('org_id', g.requester_org_id, 'name', o.name) AS requester,
           g.purpose, g.scope, g.valid_from, g.expires_at, g.max_uses, g.uses, g.revoked_at,
           g.receipt, g.created_at
    FROM consent_grants g JOIN organizations o ON o.org_id = g.requester_org_id
"""

THAWS_SQL = """
    SELECT t.thaw_id, t.requester_org_id, o.name AS requester_name, t.starts_at,
           t.ends_at, t.created_at, t.cancelled_at
    FROM freeze_thaws t LEFT JOIN organizations o ON o.org_id = t.requester_org_id
    WHERE t.subject_id = %s AND t.freeze_id = %s
    ORDER BY t.starts_at, t.thaw_id
"""
"""A freeze's thaws as a release reads them (`bureau.reports.repo`: the pull's hot path)."""

THAW_ROWS_SQL = """
    SELECT t.thaw_id,
           CASE WHEN t.requester_org_id IS NULL THEN NULL
                ELSE json_build_object('org_id', t.requester_org_id, 'name', o.name) END
               AS requester,
           t.starts_at, t.ends_at, t.created_at, t.cancelled_at
    FROM freeze_thaws t LEFT JOIN organizations o ON o.org_id = t.requester_org_id
    WHERE t.subject_id = %s AND t.freeze_id = %s
    ORDER BY t.starts_at, t.thaw_id
"""
# Organizations ----------------------------------------------------------------------------------


def organization(conn: psycopg.Connection[Any], org_id: UUID) -> tuple[str, list[str]] | None:
    """The organization's (name, roles), or None."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            "SELECT name, roles FROM organizations WHERE org_id = %s", (org_id,)
        ).fetchone()
    return None if row is None else (str(row[0]), list(row[1]))


def subject_exists(conn: psycopg.Connection[Any], subject_id: UUID) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM subjects WHERE subject_id = %s", (subject_id,))
        return cur.fetchone() is not None


# Grants ------------------------------------------------------------------------------------------


def insert_grant(conn: psycopg.Connection[Any], grant: Grant, receipt: str) -> None:
    conn.execute(
        """
        INSERT INTO consent_grants (subject_id, grant_id, requester_org_id, purpose, scope,
                                    valid_from, expires_at, max_uses, receipt)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (
            grant.subject_id,
            grant.grant_id,
            grant.requester_org_id,
            grant.purpose,
            grant.scope,
            grant.valid_from,
            grant.expires_at,
            grant.max_uses,
            receipt,
        ),
    )
    id_routes.add(conn, "grant", grant.grant_id, grant.subject_id)


def grants(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    live_at: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[GrantRow]:
    """The subject's grants, newest first, from after the (created_at, grant_id) key `after`;
    with `live_at`, only those active or pending then (not revoked, expired or used up).
    Served by `consent_grants_subject_page`."""
    with conn.cursor(row_factory=class_row(GrantRow)) as cur:
        cur.execute(
            GRANT_SELECT
            + """
            WHERE g.subject_id = %(subject_id)s
              AND (%(after_at)s::timestamptz IS NULL
                   OR (g.created_at, g.grant_id) < (%(after_at)s, %(after_id)s::uuid))
              AND (%(live_at)s::timestamptz IS NULL
                   OR (g.revoked_at IS NULL AND g.expires_at > %(live_at)s
                       AND (g.max_uses IS NULL OR g.uses < g.max_uses)))
            ORDER BY g.created_at DESC, g.grant_id DESC
            LIMIT %(limit)s
            """,
            {"subject_id": subject_id, "live_at": live_at, "limit": limit,
             "after_at": after[0] if after else None, "after_id": after[1] if after else None},
        )  # fmt: skip
        return cur.fetchall()


def grant_row(conn: psycopg.Connection[Any], subject_id: UUID, grant_id: UUID) -> GrantRow | None:
    with conn.cursor(row_factory=class_row(GrantRow)) as cur:
        cur.execute(
            GRANT_SELECT + " WHERE g.subject_id = %s AND g.grant_id = %s", (subject_id, grant_id)
        )
        return cur.fetchone()


def revoke_grant(
    conn: psycopg.Connection[Any], subject_id: UUID, grant_id: UUID, at: datetime
) -> bool:
    """Mark revoked (idempotent: a second revocation keeps the first time). False if unknown."""
    cur = conn.execute(
        """
        UPDATE consent_grants SET revoked_at = COALESCE(revoked_at, %s)
        WHERE subject_id = %s AND grant_id = %s
        """,
        (at, subject_id, grant_id),
    )
    return cur.rowcount == 1


# Freezes and thaws --------------------------------------------------------------------------------


def active_freeze(conn: psycopg.Connection[Any], subject_id: UUID) -> FreezeRow | None:
    with conn.cursor(row_factory=class_row(FreezeRow)) as cur:
        cur.execute(
            "SELECT freeze_id, placed_at, lifted_at FROM freezes "
            "WHERE subject_id = %s AND lifted_at IS NULL",
            (subject_id,),
        )
        return cur.fetchone()


def thaws(conn: psycopg.Connection[Any], subject_id: UUID, freeze_id: UUID) -> list[ThawRow]:
    with conn.cursor(row_factory=class_row(ThawRow)) as cur:
        cur.execute(THAW_ROWS_SQL, (subject_id, freeze_id))
        return cur.fetchall()


def insert_freeze(
    conn: psycopg.Connection[Any], subject_id: UUID, freeze_id: UUID, at: datetime
) -> bool:
    """Place a freeze; False if one is already in force (the partial unique index decides)."""
    cur = conn.execute(
        """
        INSERT INTO freezes (subject_id, freeze_id, placed_at) VALUES (%s, %s, %s)
        ON CONFLICT (subject_id) WHERE lifted_at IS NULL DO NOTHING
        """,
        (subject_id, freeze_id, at),
    )
    return cur.rowcount == 1


def lift_freeze(conn: psycopg.Connection[Any], subject_id: UUID, at: datetime) -> UUID | None:
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            "UPDATE freezes SET lifted_at = %s WHERE subject_id = %s AND lifted_at IS NULL "
            "RETURNING freeze_id",
            (at, subject_id),
        ).fetchone()
    return None if row is None else UUID(str(row[0]))


def insert_thaw(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    thaw_id: UUID,
    freeze_id: UUID,
    requester_org_id: UUID | None,
    starts_at: datetime,
    ends_at: datetime | None,
) -> None:
    conn.execute(
        """
        INSERT INTO freeze_thaws (subject_id, thaw_id, freeze_id, requester_org_id, starts_at,
                                  ends_at)
        VALUES (%s, %s, %s, %s, %s, %s)
        """,
        (subject_id, thaw_id, freeze_id, requester_org_id, starts_at, ends_at),
    )


def cancel_thaw(
    conn: psycopg.Connection[Any], subject_id: UUID, thaw_id: UUID, at: datetime
) -> bool:
    cur = conn.execute(
        """
        UPDATE freeze_thaws SET cancelled_at = COALESCE(cancelled_at, %s)
        WHERE subject_id = %s AND thaw_id = %s
        """,
        (at, subject_id, thaw_id),
    )
    return cur.rowcount == 1


# Fraud alerts ------------------------------------------------------------------------------------


def alerts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[AlertRow]:
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        cur.execute(
            """
            SELECT alert_id, kind, contact_ct, placed_at, expires_at, removed_at
            FROM fraud_alerts WHERE subject_id = %s ORDER BY placed_at, alert_id
            """,
            (subject_id,),
        )
        return cur.fetchall()


def insert_alert(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    alert_id: UUID,
    kind: str,
    contact_ct: bytes | None,
    key_version: int | None,
    placed_at: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        """
        INSERT INTO fraud_alerts (subject_id, alert_id, kind, contact_ct, key_version, placed_at,
                                  expires_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        """,
        (subject_id, alert_id, kind, contact_ct, key_version, placed_at, expires_at),
    )


def remove_alert(
    conn: psycopg.Connection[Any], subject_id: UUID, alert_id: UUID, at: datetime
) -> bool:
    cur = conn.execute(
        """
        UPDATE fraud_alerts SET removed_at = COALESCE(removed_at, %s)
        WHERE subject_id = %s AND alert_id = %s
        """,
        (at, subject_id, alert_id),
    )
    return cur.rowcount == 1


# Uses ----------------------------------------------------------------------------------------------


COUNT_USE_SQL = """
    UPDATE consent_grants SET uses = uses + 1
    WHERE %(consumes)s AND subject_id = %(subject_id)s AND grant_id = %(grant_id)s
"""


def count_use(subject_id: UUID, grant_id: UUID | None, consumes: bool) -> Write:
    """A release's use of its grant (a no-op write when the release consumes none), sent
    inside the release's paper-trail statement."""
    return Write("grant_use", COUNT_USE_SQL,
                 {"consumes": consumes, "subject_id": subject_id, "grant_id": grant_id})  # fmt: skip
