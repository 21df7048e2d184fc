"""SQL for the subject's notices inbox (the notices table is written by the services that send them)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

_COLUMNS = "notice_id, kind, dispute_id, report_id, body, due_by, created_at"


def to_subject(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    """Every notice addressed to the subject (not copies sent to organizations), newest first."""
    cur = conn.execute(
        f"SELECT {_COLUMNS} FROM notices WHERE subject_id = %s AND recipient_org_id IS NULL "
        "ORDER BY created_at DESC, notice_id".encode(),
        (subject_id,),
    )
    return [dict(row) for row in cur.fetchall()]


def one_to_subject(
    conn: psycopg.Connection[Any], subject_id: UUID, notice_id: UUID
) -> dict[str, Any] | None:
    cur = conn.execute(
        f"SELECT {_COLUMNS} FROM notices WHERE subject_id = %s AND notice_id = %s "
        "AND recipient_org_id IS NULL".encode(),
        (subject_id, notice_id),
    )
    row = cur.fetchone()
    return dict(row) if row is not None else None


def insert(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    notice_id: UUID,
    kind: str,
    body: dict[str, Any],
    *,
    dispute_id: UUID | None = None,
    report_id: UUID | None = None,
    due_by: date | None = None,
) -> None:
    """A notice addressed to the subject (senders with their own repo may write it themselves)."""
    conn.execute(
        """
        INSERT INTO notices (subject_id, notice_id, kind, recipient_org_id, dispute_id, report_id,
                             body, due_by)
        VALUES (%s, %s, %s, NULL, %s, %s, %s, %s)
        """,
        (subject_id, notice_id, kind, dispute_id, report_id, Jsonb(body), due_by),
    )
