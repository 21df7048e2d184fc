"""The subject's notices inbox: every letter the bureau sent them, as a list and one by one.

Opening a notice is an access to the subject's data, so it is written to the access log like
any other disclosure; a notice of another subject is "not found", never "forbidden", so its
existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau import events
from bureau.auth.service import SubjectPrincipal
from bureau.errors import NotFound
from bureau.notices import repo

_KIND_WORDS = {
    "adverse-action": "Adverse action notice",
    "dispute-results": "Results of your dispute",
    "dispute-frivolous": "Your dispute was not investigated",
    "dispute-reinsertion": "An item was put back on your file",
    "dispute-correction": "Correction sent to a past recipient",
}


@dataclass(frozen=True)
class Notice:
    notice_id: UUID
    kind: str
    kind_words: str
    title: str
    created_at: datetime
    due_by: date | None
    dispute_id: UUID | None
    body: dict[str, Any]


def kind_words(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind.replace("-", " ").capitalize())


def _notice(row: repo.NoticeRow) -> Notice:
    body = row.body if isinstance(row.body, dict) else {}
    return Notice(
        notice_id=row.notice_id,
        kind=row.kind,
        kind_words=kind_words(row.kind),
        title=str(body.get("title") or kind_words(row.kind)),
        created_at=row.created_at,
        due_by=row.due_by,
        dispute_id=row.dispute_id,
        body=body,
    )


def inbox(conn: psycopg.Connection[Any], subject: SubjectPrincipal) -> list[Notice]:
    return [_notice(r) for r in repo.notices_for(conn, subject.subject_id)]


def open_notice_row(
    conn: psycopg.Connection[Any], subject: SubjectPrincipal, notice_id: UUID, channel: str
) -> repo.NoticeRow:
    """One of the subject's notices, its reading logged (`notice.opened`); the API's and the
    portal's single way to open a notice."""
    row = repo.notice_for(conn, subject.subject_id, notice_id)
    if row is None:
        raise NotFound(f"no notice {notice_id} for you", field="notice_id")
    events.publish(conn, events.NoticeOpened(
        subject_id=subject.subject_id, credential_id=subject.credential_id, notice_id=notice_id,
        channel=None if channel == "api" else channel,
    ))  # fmt: skip
    return row


def open_notice(
    conn: psycopg.Connection[Any], subject: SubjectPrincipal, notice_id: UUID, channel: str
) -> Notice:
    return _notice(open_notice_row(conn, subject, notice_id, channel))
