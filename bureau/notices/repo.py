"""SQL that reads the subject's notices (written by `bureau.notices.delivery`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


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
