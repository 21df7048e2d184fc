"""SQL for grants, freezes, thaws, fraud alerts and released reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row, tuple_row

from consent.decision import Alert, Freeze, Grant, Thaw

_GRANT_COLUMNS = (
    "grant_id, subject_id, requester_org_id, purpose, scope, valid_from, expires_at, max_uses, "
    "uses, revoked_at"
)

HOLDS_ACCOUNT_SQL = (
    "SELECT EXISTS (SELECT 1 FROM tradelines WHERE subject_id = %s AND furnisher_id = %s "
    "AND deleted_at IS NULL)"
)
THAWS_SQL = """
    SELECT t.thaw_id, t.requester_org_id, o.name AS requester_name, t.starts_at,
           t.ends_at, t.created_at, t.cancelled_at
    FROM freeze_thaws t LEFT JOIN organizations o ON o.org_id = t.requester_org_id
    WHERE t.subject_id = %s AND t.freeze_id = %s
    ORDER BY t.starts_at, t.thaw_id
"""
_OF_GRANT = "(SELECT subject_id FROM consent_grants WHERE grant_id = %s)"
RELEASE_FACTS_SQL = (
    f"SELECT {_GRANT_COLUMNS}, s.status AS file_status "
    "FROM consent_grants JOIN subjects s USING (subject_id) WHERE grant_id = %s "
    "FOR UPDATE OF consent_grants",
    "SELECT freeze_id, placed_at, lifted_at FROM freezes "
    f"WHERE subject_id = {_OF_GRANT} AND lifted_at IS NULL",
    "SELECT alert_id, kind, contact_ct, placed_at, expires_at, removed_at "
    f"FROM fraud_alerts WHERE subject_id = {_OF_GRANT} ORDER BY placed_at, alert_id",
)
"""A pull's facts (the grant locked with its file's status, the subject's freeze and alerts),
keyed by the grant. The status rides on the grant's row: a pull is CPU-bound, and each
statement costs it as much as a small query costs PostgreSQL."""

ReleaseFacts = tuple[Grant | None, Freeze | None, list[Alert], str]


# Organizations ----------------------------------------------------------------------------------


def organization(conn: psycopg.Connection[Any], org_id: UUID) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT org_id, name, roles FROM organizations WHERE org_id = %s", (org_id,))
        return cur.fetchone()


def holds_account(conn: psycopg.Connection[Any], subject_id: UUID, org_id: UUID) -> bool:
    """Does the organization furnish a (not deleted) account of the subject?"""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(HOLDS_ACCOUNT_SQL, (subject_id, org_id))
        row = cur.fetchone()
    return bool(row and row[0])


async def holds_account_async(
    conn: psycopg.AsyncConnection[Any], subject_id: UUID, org_id: UUID
) -> bool:
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(HOLDS_ACCOUNT_SQL, (subject_id, org_id))
        row = await cur.fetchone()
    return bool(row and row[0])


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


def grants(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    """The subject's grants, newest first, with the requester's name and the receipt."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            SELECT g.*, o.name AS requester_name
            FROM consent_grants g JOIN organizations o ON o.org_id = g.requester_org_id
            WHERE g.subject_id = %s
            ORDER BY g.created_at DESC, g.grant_id
            """,
            (subject_id,),
        )
        return cur.fetchall()


def grant_row(
    conn: psycopg.Connection[Any], subject_id: UUID, grant_id: UUID
) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            SELECT g.*, o.name AS requester_name
            FROM consent_grants g JOIN organizations o ON o.org_id = g.requester_org_id
            WHERE g.subject_id = %s AND g.grant_id = %s
            """,
            (subject_id, grant_id),
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


def active_freeze(conn: psycopg.Connection[Any], subject_id: UUID) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT freeze_id, placed_at, lifted_at FROM freezes "
            "WHERE subject_id = %s AND lifted_at IS NULL",
            (subject_id,),
        )
        return cur.fetchone()


def thaws(conn: psycopg.Connection[Any], subject_id: UUID, freeze_id: UUID) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(THAWS_SQL, (subject_id, freeze_id))
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
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "UPDATE freezes SET lifted_at = %s WHERE subject_id = %s AND lifted_at IS NULL "
            "RETURNING freeze_id",
            (at, subject_id),
        )
        row = cur.fetchone()
    return row["freeze_id"] if row else None


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


def alerts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """
            SELECT alert_id, kind, contact_ct, placed_at, expires_at, removed_at
            FROM fraud_alerts WHERE subject_id = %s ORDER BY placed_at, alert_id
            """,
            (subject_id,),
        )
        return cur.fetchall()


def _alert(a: dict[str, Any]) -> Alert:
    return Alert(a["alert_id"], a["kind"], a["placed_at"], a["expires_at"], a["removed_at"])


def release_facts(conn: psycopg.Connection[Any], grant_id: UUID) -> ReleaseFacts:
    """The grant, locked until the transaction ends, and its subject's freeze, alerts and file
    status ('active', 'closed', 'shredded').

    The lock is what makes uses exact under concurrency: a second pull on the same grant
    waits here, then reads the use the first one counted. The three reads travel as one
    pipeline (one round trip; a second only when a freeze is in force, for its thaws); the
    freeze and alerts are read after the grant's lock is taken, so they are as fresh.
    """
    grant_sql, freeze_sql, alerts_sql = RELEASE_FACTS_SQL
    with (
        conn.cursor(row_factory=dict_row) as grant_cur,
        conn.cursor(row_factory=dict_row) as freeze_cur,
        conn.cursor(row_factory=dict_row) as alerts_cur,
    ):
        with conn.pipeline():
            grant_cur.execute(grant_sql, (grant_id,))
            freeze_cur.execute(freeze_sql, (grant_id,))
            alerts_cur.execute(alerts_sql, (grant_id,))
        grant, status = _grant_and_status(grant_cur.fetchone())
        frozen = freeze_cur.fetchone()
        alert_rows = alerts_cur.fetchall()
    thaw_rows = (
        thaws(conn, grant.subject_id, frozen["freeze_id"])
        if grant is not None and frozen is not None
        else []
    )
    return _release_facts(grant, frozen, alert_rows, thaw_rows, status)


async def release_facts_async(conn: psycopg.AsyncConnection[Any], grant_id: UUID) -> ReleaseFacts:
    """`release_facts` on an async connection: the same statements, pipelined the same way."""
    grant_sql, freeze_sql, alerts_sql = RELEASE_FACTS_SQL
    async with (
        conn.cursor(row_factory=dict_row) as grant_cur,
        conn.cursor(row_factory=dict_row) as freeze_cur,
        conn.cursor(row_factory=dict_row) as alerts_cur,
    ):
        async with conn.pipeline():
            await grant_cur.execute(grant_sql, (grant_id,))
            await freeze_cur.execute(freeze_sql, (grant_id,))
            await alerts_cur.execute(alerts_sql, (grant_id,))
        grant, status = _grant_and_status(await grant_cur.fetchone())
        frozen = await freeze_cur.fetchone()
        alert_rows = await alerts_cur.fetchall()
    thaw_rows: list[dict[str, Any]] = []
    if grant is not None and frozen is not None:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(THAWS_SQL, (grant.subject_id, frozen["freeze_id"]))
            thaw_rows = await cur.fetchall()
    return _release_facts(grant, frozen, alert_rows, thaw_rows, status)


def _grant_and_status(row: dict[str, Any] | None) -> tuple[Grant | None, str]:
    """The grant and its file's status from the grant query's row ('active' for no grant)."""
    if row is None:
        return None, "active"
    status = str(row.pop("file_status"))
    return Grant(**row), status


def _release_facts(
    grant: Grant | None,
    frozen: dict[str, Any] | None,
    alert_rows: list[dict[str, Any]],
    thaw_rows: list[dict[str, Any]],
    status: str,
) -> ReleaseFacts:
    if grant is None:
        return None, None, [], "active"
    freeze = None
    if frozen is not None:
        freeze = Freeze(
            placed_at=frozen["placed_at"],
            lifted_at=frozen["lifted_at"],
            thaws=tuple(
                Thaw(t["requester_org_id"], t["starts_at"], t["ends_at"], t["cancelled_at"])
                for t in thaw_rows
            ),
        )
    return grant, freeze, [_alert(a) for a in alert_rows], status


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


# Reports -----------------------------------------------------------------------------------------


RECORD_RELEASE_SQL = """
    WITH inquiry AS (
        INSERT INTO inquiries (subject_id, inquiry_id, requester_org_id, purpose, kind,
                               grant_id, report_id, created_at)
        VALUES (%(subject_id)s, %(inquiry_id)s, %(requester_org_id)s, %(purpose)s,
                %(inquiry_kind)s, %(grant_id)s, %(report_id)s, %(created_at)s)
    ), use AS (
        UPDATE consent_grants SET uses = uses + 1
        WHERE %(consumes_use)s AND subject_id = %(subject_id)s AND grant_id = %(grant_id)s
    ), entry AS (
        INSERT INTO audit_log (subject_id, event, entry, created_at)
        VALUES (%(subject_id)s, %(event)s, %(entry)s, %(logged_at)s)
        RETURNING entry_id
    ), report AS (
        INSERT INTO reports (subject_id, report_id, requester_org_id, grant_id, purpose,
                             scope, inquiry_id, log_entry_id, court_order_ref,
                             tradeline_ids, bankruptcy_ids, digest, created_at)
        VALUES (%(subject_id)s, %(report_id)s, %(requester_org_id)s, %(grant_id)s,
                %(purpose)s, %(scope)s, %(inquiry_id)s, (SELECT entry_id FROM entry),
                %(court_order_ref)s, %(tradeline_ids)s, %(bankruptcy_ids)s, %(digest)s,
                %(created_at)s)
    ), score AS (
        INSERT INTO report_scores (subject_id, report_id, version, table_sha256, score,
                                   as_of, result)
        VALUES (%(subject_id)s, %(report_id)s, %(score_version)s, %(score_table_sha256)s,
                %(score)s, %(score_as_of)s, %(score_result)s)
    )
    SELECT entry_id FROM entry
"""
"""A release's paper trail in one statement (see `record_release`)."""


def record_release(conn: psycopg.Connection[Any], row: dict[str, Any]) -> int:
    """A release's whole paper trail in one statement; returns the log entry's `entry_id`.

    The inquiry, the use counted on the grant (when `consumes_use`), the pending access-log
    entry (as `bureau.audit.log.append` writes it), the report record naming that entry, and
    the score it carried. One statement because a pull is CPU-bound in Python, and every
    statement costs it as much as a small query costs PostgreSQL; it also needs the entry id
    before the report row, which as separate statements meant a round trip in the middle.
    Foreign keys between the rows are checked at the end of the statement, so they hold.
    """
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(RECORD_RELEASE_SQL, row)
        found = cur.fetchone()
    assert found is not None
    return int(found[0])


async def record_release_async(conn: psycopg.AsyncConnection[Any], row: dict[str, Any]) -> int:
    """`record_release` on an async connection."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(RECORD_RELEASE_SQL, row)
        found = await cur.fetchone()
    assert found is not None
    return int(found[0])
