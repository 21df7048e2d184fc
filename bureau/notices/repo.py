"""SQL for the subject's notices."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.errors import UniqueViolation
from psycopg.types.json import Jsonb

from bureau.errors import Conflict


def insert_notice(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    notice_id: UUID,
    kind: str,
    report_id: UUID | None,
    body: dict[str, Any],
) -> None:
    """Store a notice for the subject; a second adverse-action notice for a report conflicts."""
    try:
        with conn.transaction():
            conn.execute(
                """
                INSERT INTO notices (subject_id, notice_id, kind, report_id, body)
                VALUES (%s, %s, %s, %s, %s)
                """,
                (subject_id, notice_id, kind, report_id, Jsonb(body)),
            )
    except UniqueViolation as exc:
        raise Conflict(
            f"a {kind} notice was already sent for report {report_id}", field="report_id"
        ) from exc


def notices_for(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    cur = conn.execute(
        """
        SELECT notice_id, kind, report_id, dispute_id, body, due_by, created_at
        FROM notices WHERE subject_id = %s AND recipient_org_id IS NULL
        ORDER BY created_at DESC, notice_id
        """,
        (subject_id,),
    )
    return [dict(r) for r in cur.fetchall()]


def notice_for(
    conn: psycopg.Connection[Any], subject_id: UUID, notice_id: UUID
) -> dict[str, Any] | None:
    cur = conn.execute(
        """
        SELECT notice_id, kind, report_id, dispute_id, body, due_by, created_at
        FROM notices WHERE subject_id = %s AND notice_id = %s AND recipient_org_id IS NULL
        """,
        (subject_id, notice_id),
    )
    row = cur.fetchone()
    return dict(row) if row else None
