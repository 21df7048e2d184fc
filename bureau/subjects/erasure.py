"""Closing a file and shredding it: the erasure right (GDPR Art. 17, by crypto-shredding).

A file goes active -> closed -> shredded, and only that way (a closure may be withdrawn until
the file is shredded):
  * closed: the subject asked. Nothing is released to anyone (the access decision refuses with
    `file-closed`), furnishers' new reports about them are refused per record, the subject can
    still read their own disclosure. After the regime's `erasure.shred_after_closure_days` the
    file is shredded (`shred_due`), or sooner by the operator.
  * shredded: the data keys are destroyed (every ciphertext of the subject is noise), the blind
    indexes that make the person matchable go (identity rows, account references), the
    subject's statements and portal sessions go. What stays names no one: tradeline figures
    under a random account reference, inquiries and report digests, consent receipts, and the
    access log, which is append-only and whose proofs must keep verifying.
Each step appends an access-log entry without personal data (ids, dates, counts).
Services never commit: the caller's transaction holds the whole step, or none of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from bureau import events
from bureau.audit import trail
from bureau.policy.regime import Erasure
from bureau.subjects import repo
from bureau.subjects.errors import FileClosed, FileNotClosed, FileShredded, SubjectNotFound
from bureau.subjects.repo import FileRow
from bureau.vault import Vault


@dataclass(frozen=True)
class FileState:
    subject_id: UUID
    status: str
    closed_at: datetime | None
    shredded_at: datetime | None
    shred_due_at: datetime | None
    """When the file will be shredded without further request (closed files only)."""

    def as_dict(self) -> dict[str, Any]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "subject_id": str(self.subject_id),
            "status": self.status,
            "closed_at": iso(self.closed_at),
            "shredded_at": iso(self.shredded_at),
            "shred_due_at": iso(self.shred_due_at),
        }


def _state(row: FileRow, rules: Erasure) -> FileState:
    closed_at = row.closed_at
    due = None
    if row.status == "closed" and closed_at is not None:
        due = closed_at + timedelta(days=rules.shred_after_closure_days)
    return FileState(row.subject_id, row.status, closed_at, row.shredded_at, due)


def _locked(conn: psycopg.Connection[Any], subject_id: UUID) -> FileRow:
    row = repo.file_state(conn, subject_id)
    if row is None:
        raise SubjectNotFound(f"no subject with id {subject_id}", field="subject_id")
    return row


def file_state(conn: psycopg.Connection[Any], subject_id: UUID, rules: Erasure) -> FileState:
    """The file's state as of now, for reading (no lock)."""
    row = repo.file_state(conn, subject_id, lock=False)
    if row is None:
        raise SubjectNotFound(f"no subject with id {subject_id}", field="subject_id")
    return _state(row, rules)


def close_file(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    at: datetime,
    rules: Erasure,
    *,
    by: str,
    request_ref: str | None = None,
) -> FileState:
    """Close the file at the subject's request (`by`: 'subject', or 'operator' acting on a
    verified request whose reference is `request_ref`). Closing twice is refused, so the
    caller learns the file was already closed and since when."""
    row = _locked(conn, subject_id)
    if row.status == "shredded":
        raise FileShredded("this file was erased and cannot be closed", field="subject_id")
    if row.status == "closed":
        since = row.closed_at.isoformat() if row.closed_at else "an unknown time"
        raise FileClosed(f"the file has been closed since {since}", field="subject_id")
    repo.mark_closed(conn, subject_id, at)
    state = _state(replace(row, status="closed", closed_at=at), rules)
    events.publish(conn, events.FileClosed(subject_id=subject_id, by=by,
                                           shred_due_at=state.as_dict()["shred_due_at"],
                                           request_ref=request_ref or None))  # fmt: skip
    return state


def reopen_file(
    conn: psycopg.Connection[Any], subject_id: UUID, rules: Erasure, *, by: str
) -> FileState:
    """Withdraw a closure before the file is shredded (after that there is nothing to reopen)."""
    row = _locked(conn, subject_id)
    if row.status == "shredded":
        raise FileShredded("this file was erased and cannot be reopened", field="subject_id")
    if row.status != "closed":
        raise FileNotClosed("the file is not closed", field="subject_id")
    repo.mark_reopened(conn, subject_id)
    events.publish(conn, events.FileReopened(subject_id=subject_id, by=by))
    return _state(replace(row, status="active", closed_at=None), rules)


def shred_file(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject_id: UUID,
    at: datetime,
    *,
    by: str,
) -> dict[str, Any]:
    """Shred a closed file: destroy its keys and every link to the person. Irreversible, so an
    active file is refused (it must be closed first, which the subject asks for)."""
    repo.wait_for_ingests(conn)  # before the file's row: ingests never wait for that
    row = _locked(conn, subject_id)
    if row.status == "shredded":
        at_text = row.shredded_at.isoformat() if row.shredded_at else "an unknown time"
        raise FileShredded(f"the file was already erased at {at_text}", field="subject_id")
    if row.status != "closed":
        raise FileNotClosed(
            "the file is active: it is shredded only after the subject closed it",
            field="subject_id",
        )
    assert row.closed_at is not None, "mark_closed sets the status and the time together"
    vault.shred(conn, subject_id)
    repo.mark_shredded(conn, subject_id)
    # every other table's owner forgets its rows in its FileKeysShredded handler
    counts = events.publish(conn, events.FileKeysShredded(subject_id=subject_id, at=at))
    forgotten = {
        "identities": repo.forget_identities(conn, subject_id),
        **{k: int(counts[k]) for k in ("accounts_unlinked", "statements", "disputes_ended")},
    }
    entry = trail.entry_id(events.publish(conn, events.FileShredded(
        subject_id=subject_id, by=by, closed_at=row.closed_at, **forgotten)))  # fmt: skip
    return {"subject_id": str(subject_id), "status": "shredded", "shredded_at": at.isoformat(),
            "access_log_entry": entry, **forgotten}  # fmt: skip


def shred_due(
    conn: psycopg.Connection[Any], vault: Vault, at: datetime, rules: Erasure
) -> list[dict[str, Any]]:
    """Shred every closed file whose waiting period has ended by `at`."""
    before = at - timedelta(days=rules.shred_after_closure_days)
    return [
        shred_file(conn, vault, subject_id, at, by="schedule")
        for subject_id in repo.closed_before(conn, before)
    ]
