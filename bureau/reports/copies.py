"""Released reports kept for re-delivery: owns `report_copies` (migration 0150).

Why keep a copy at all: a lender whose response was lost (a timeout, a crash) could not get
the report again, since a retry is a second pull (a second inquiry on the subject's file, a
second use of the grant, often refused). The signed report is kept, encrypted under the
subject's data key, for a window (FAIRFILE_REPORT_COPY_HOURS, 7 days by default), so
`GET /v1/reports/{id}` sends the very bytes that were signed; each re-delivery is an entry in
the subject's access log. A shredded file's copies are deleted with its keys (the handler
below); closed files' copies are not sent. Expired copies are purged on write: each new copy
deletes up to `PURGE_BATCH` expired ones in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from bureau import events
from bureau.db.batch import Batch, Read
from bureau.db.write import Write
from bureau.vault import SubjectCipher

KIND = "report-copy"
"""The ciphertext's kind (its associated data): a copy cannot be passed off as anything else."""
PURGE_BATCH = 16

_COPY_SQL = """
    INSERT INTO report_copies (subject_id, report_id, key_version, jws_ct, held_until)
    VALUES (%(subject_id)s, %(report_id)s, %(key_version)s, %(jws_ct)s, %(held_until)s)
"""
_PURGE_SQL = f"""
    DELETE FROM report_copies WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM report_copies WHERE held_until <= %(now)s LIMIT {PURGE_BATCH}))
"""
_SUBJECT_PURGE_SQL = """
    DELETE FROM report_copies WHERE subject_id = %(subject_id)s AND held_until <= %(now)s
"""
"""On Citus a purge over every copy would visit every shard on each pull: there each pull
purges its own subject's expired copies (on the shard it writes anyway)."""


def copy_writes(
    cipher: SubjectCipher, report_id: UUID, jws: str, at: datetime, window: timedelta,
    *, by_subject: bool = False,
) -> list[Write]:  # fmt: skip
    """The signed report, encrypted, kept until `at + window`; and expired copies purged (only
    the subject's own, `by_subject`, on Citus)."""
    values = {"subject_id": cipher.subject_id, "report_id": report_id,
              "key_version": cipher.key_version, "jws_ct": cipher.encrypt(KIND, jws),
              "held_until": at + window}  # fmt: skip
    purge = (
        Write("copy_purge", _SUBJECT_PURGE_SQL, {"subject_id": cipher.subject_id, "now": at})
        if by_subject
        else Write("copy_purge", _PURGE_SQL, {"now": at})
    )
    return [purge, Write("copy_row", _COPY_SQL, values)]


@dataclass(frozen=True)
class HeldCopy:
    subject_id: UUID
    log_entry: int
    jws_ct: bytes
    file_status: str
    data_keys: list[tuple[int, str, bytes]]


_HELD_SQL = """
    SELECT c.subject_id, c.jws_ct, r.log_entry_id, s.status AS file_status
    FROM report_copies c JOIN reports r USING (subject_id, report_id)
    JOIN subjects s USING (subject_id)
    WHERE c.report_id = %s AND r.requester_org_id = %s AND c.held_until > %s
"""
_KEYS_SQL = """
    SELECT key_version, kek_id, wrapped_key FROM subject_keys
    WHERE subject_id = (SELECT subject_id FROM report_copies WHERE report_id = %s)
      AND wrapped_key IS NOT NULL ORDER BY key_version
"""


_ROUTED_HELD_SQL = _HELD_SQL + "    AND c.subject_id = %s\n"
_ROUTED_KEYS_SQL = """
    SELECT key_version, kek_id, wrapped_key FROM subject_keys
    WHERE subject_id = %s AND wrapped_key IS NOT NULL ORDER BY key_version
"""


def held_copy(
    report_id: UUID, org_id: UUID, at: datetime, subject_id: UUID | None = None
) -> Batch[HeldCopy | None]:
    """The copy of a report released to `org_id`, if still held, with its subject's keys
    (one round trip). Another organization's report is no copy for this one. On Citus the
    caller names the subject the report's route gives (bureau.db.id_routes): one shard."""
    if subject_id is not None:
        return Batch([Read(_ROUTED_HELD_SQL, (report_id, org_id, at, subject_id)),
                      Read(_ROUTED_KEYS_SQL, (subject_id,), named=False)], _held)  # fmt: skip
    return Batch(
        [Read(_HELD_SQL, (report_id, org_id, at)), Read(_KEYS_SQL, (report_id,), named=False)],
        _held,
    )


def _held(rows: list[list[Any]]) -> HeldCopy | None:
    if not rows[0]:
        return None
    row = rows[0][0]
    keys = [(int(v), str(k), bytes(w)) for v, k, w in rows[1]]
    return HeldCopy(row["subject_id"], int(row["log_entry_id"]), bytes(row["jws_ct"]),
                    str(row["file_status"]), keys)  # fmt: skip


@events.subscribe(events.FileShredded)
def forget_shredded(event: events.FileShredded) -> list[Write]:
    """A shredded file's kept reports go with its keys."""
    return [Write("report_copies_shredded",
                  "DELETE FROM report_copies WHERE subject_id = %(subject_id)s",
                  {"subject_id": event.subject_id})]  # fmt: skip
