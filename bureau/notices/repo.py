"""SQL that reads the subject's notices (written by `bureau.notices.delivery`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """A notice addressed to the subject, as stored (its body is the letter's JSON)."""

    notice_id: UUID
    kind: str
    report_id: UUID | None
    dispute_id: UUID | None
    body: dict[str, Any]
    due_by: date | None
    created_at: datetime


def notices_for(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[NoticeRow]:
    """The subject's notices, newest first, from after the (created_at, notice_id) key `after`
    (served by `notices_subject_page`)."""
    with conn.cursor(row_factory=class_row(NoticeRow)) as cur:
        cur.execute(
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
        return cur.fetchall()


def notice_for(
    conn: psycopg.Connection[Any], subject_id: UUID, notice_id: UUID
) -> NoticeRow | None:
    with conn.cursor(row_factory=class_row(NoticeRow)) as cur:
        cur.execute(
            """
            SELECT notice_id, kind, report_id, dispute_id, body, due_by, created_at
            FROM notices WHERE subject_id = %s AND notice_id = %s AND recipient_org_id IS NULL
            """,
            (subject_id, notice_id),
        )
        return cur.fetchone()
