"""SQL that reads the subject's notices (written by `bureau.notices.delivery`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg


def notices_for(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The subject's notices, newest first, from after the (created_at, notice_id) key `after`
    (served by `notices_subject_page`)."""
    cur = conn.execute(
        """
        SELECT notice_id, kind, report_id, dispute_id, body, due_by, created_at
        FROM notices WHERE subject_id = %(subject_id)s AND recipient_org_id IS NULL
          AND (%(after_at)s::timestamptz IS NULL
               OR (created_at, notice_id) < (%(after_at)s, %(after_id)s::uuid))
        ORDER BY created_at DESC, notice_id DESC LIMIT %(limit)s
        """,
        {"subject_id": subject_id, "limit": limit, "after_at": after[0] if after else None,
         "after_id": after[1] if after else None},
    )  # fmt: skip
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
