"""SQL for subjects: files' status, locks, erasure; identity facts through the identity store
(bureau/subjects/identities.py: ciphertext and blind indexes only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row

from bureau.db.copy import copy_binary
from bureau.subjects import identities


def add_identity(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    kind: str,
    value_ct: bytes,
    key_version: int,
    value_bidx: bytes,
    source_org_id: UUID | None,
) -> None:
    """Record an identity fact; a value already held only refreshes its last-seen time."""
    identities.add_facts(conn, subject_id, key_version, [(kind, value_ct, value_bidx)],
                         source_org_id, transaction_time(conn))  # fmt: skip


def transaction_time(conn: psycopg.Connection[Any]) -> datetime:
    """The transaction's time, as the database's now() would stamp a row."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute("SELECT now()").fetchone()
    assert row is not None
    return row[0]


def subjects_with_both(
    conn: psycopg.Connection[Any], first: tuple[str, bytes], second: tuple[str, bytes]
) -> list[UUID]:
    """Subjects holding both blind indexes, e.g. national id and date of birth."""
    found = identities.subjects_holding(conn, (first[0], second[0]), [(first[1], second[1])])
    return found.get((first[1], second[1]), [])


IDENTITIES_SQL = identities.FACTS_SQL
"""(kind, ciphertext, is_current) of a subject's identity facts; shared with batched reads."""

SUBJECT_EXISTS_SQL = "SELECT 1 FROM subjects WHERE subject_id = %s"


def identity_facts(
    conn: psycopg.Connection[Any], subject_id: UUID
) -> list[tuple[str, bytes, bool]]:
    """(kind, ciphertext, is_current) for every identity fact of the subject."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(IDENTITIES_SQL, (subject_id,))
        return [(k, bytes(ct), bool(cur_)) for k, ct, cur_ in cur.fetchall()]


def insert_subject(conn: psycopg.Connection[Any], subject_id: UUID) -> None:
    """A new subject's row (an active file); its data key follows (bureau/vault/)."""
    conn.execute("INSERT INTO subjects (subject_id) VALUES (%s)", (subject_id,))


def insert_subjects(conn: psycopg.Connection[Any], subject_ids: Sequence[UUID]) -> None:
    """Many new subjects' rows by one binary COPY (bulk furnishing)."""
    copy_binary(conn, "subjects", ("subject_id",), ("uuid",), ((s,) for s in subject_ids))


def subject_exists(conn: psycopg.Connection[Any], subject_id: UUID) -> bool:
    row = conn.execute(SUBJECT_EXISTS_SQL, (subject_id,)).fetchone()
    return row is not None


def lock_creation(conn: psycopg.Connection[Any], key: int, *, exclusive: bool) -> None:
    """The creation lock (creation.py): shared under person locks, exclusive for a transaction
    opening more files than it may hold person locks for."""
    if exclusive:
        conn.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (key,))
    else:
        conn.execute("SELECT pg_advisory_xact_lock_shared(%s::bigint)", (key,))


def lock_people(conn: psycopg.Connection[Any], keys: Sequence[int]) -> None:
    """Person locks (creation.py), taken one after the other in ascending key order: the
    function scan over the sorted array yields its elements in order, and the aggregate makes
    the statement take them all before it returns."""
    conn.execute(
        "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k",
        (sorted(keys),),
    )


# Closure and erasure ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    """A file's life as `subjects` holds it: 'active', 'closed' or 'shredded', and when."""

    subject_id: UUID
    status: str
    closed_at: datetime | None
    shredded_at: datetime | None


def file_state(
    conn: psycopg.Connection[Any], subject_id: UUID, *, lock: bool = True
) -> FileRow | None:
    """The file's status and dates; locked (by default) until the transaction ends, so a
    closure and a shredding (or two shreddings) of one file run one after the other."""
    query = "SELECT subject_id, status, closed_at, shredded_at FROM subjects WHERE subject_id = %s"
    with conn.cursor(row_factory=class_row(FileRow)) as cur:
        cur.execute(query + (" FOR UPDATE" if lock else ""), (subject_id,))
        return cur.fetchone()


def file_status(conn: psycopg.Connection[Any], subject_id: UUID) -> str | None:
    """'active', 'closed' or 'shredded' (None: no such subject); no lock."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(SUBJECT_STATUS_SQL, (subject_id,))
        row = cur.fetchone()
    return None if row is None else str(row[0])


SUBJECT_STATUS_SQL = "SELECT status FROM subjects WHERE subject_id = %s"


def mark_closed(conn: psycopg.Connection[Any], subject_id: UUID, at: datetime) -> None:
    conn.execute(
        "UPDATE subjects SET status = 'closed', closed_at = %s "
        "WHERE subject_id = %s AND status = 'active'",
        (at, subject_id),
    )


def mark_reopened(conn: psycopg.Connection[Any], subject_id: UUID) -> None:
    conn.execute(
        "UPDATE subjects SET status = 'active', closed_at = NULL "
        "WHERE subject_id = %s AND status = 'closed'",
        (subject_id,),
    )


def closed_before(conn: psycopg.Connection[Any], before: datetime) -> list[UUID]:
    """Closed files whose waiting period ended (closed at or before `before`), oldest first."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT subject_id FROM subjects WHERE status = 'closed' AND closed_at <= %s "
            "ORDER BY closed_at, subject_id",
            (before,),
        )
        return [row[0] for row in cur.fetchall()]


def not_active_among(conn: psycopg.Connection[Any], subject_ids: Sequence[UUID]) -> set[UUID]:
    """Which of these subjects' files are closed or shredded (one primary-key probe each)."""
    if not subject_ids:
        return set()
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT subject_id FROM subjects WHERE subject_id = ANY(%s) AND status <> 'active'",
            (list(subject_ids),),
        )
        return {row[0] for row in cur.fetchall()}


def forget_identities(conn: psycopg.Connection[Any], subject_id: UUID) -> int:
    """Delete the subject's identity rows: their blind indexes are what makes the person
    matchable and linkable (anyone holding the blind-index key can test a guessed SSN against
    them), and their ciphertexts are noise once the keys are gone. No audit proof refers to
    them."""
    return identities.forget(conn, subject_id)


def mark_shredded(conn: psycopg.Connection[Any], subject_id: UUID) -> None:
    """The file is erased: its keys are gone (the vault destroyed them in this transaction)."""
    conn.execute(
        "UPDATE subjects SET status = 'shredded', shredded_at = now() WHERE subject_id = %s",
        (subject_id,),
    )


def wait_for_ingests(conn: psycopg.Connection[Any]) -> None:
    """Take every organization's ingest lock (`furnishing.repo.lock_furnisher`'s key), in one
    order, until the transaction ends: an ingest that matched this file before it was closed
    commits first, so its identity facts are there to be deleted; ingests starting after wait,
    then see the file closed. Shredding is an operator's or a scheduled job's step: it may
    wait; ingests never take two of these locks, so there is no deadlock."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(o.org_id::text, 0)) "
        "FROM (SELECT org_id FROM organizations ORDER BY org_id) o"
    )
