"""SQL for subjects' identity facts (ciphertext and blind indexes only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import tuple_row


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
    conn.execute(
        """
        INSERT INTO subject_identities
            (subject_id, identity_id, kind, value_ct, key_version, value_bidx, source_org_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (subject_id, kind, value_bidx) DO UPDATE SET last_seen_at = now()
        """,
        (subject_id, uuid4(), kind, value_ct, key_version, value_bidx, source_org_id),
    )


def subjects_with(conn: psycopg.Connection[Any], kind: str, value_bidx: bytes) -> list[UUID]:
    """Subjects holding this blind index (served by the prefix of subject_identities_fact_key)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT DISTINCT subject_id FROM subject_identities WHERE kind = %s AND value_bidx = %s",
            (kind, value_bidx),
        )
        return [row[0] for row in cur.fetchall()]


def subjects_with_both(
    conn: psycopg.Connection[Any], first: tuple[str, bytes], second: tuple[str, bytes]
) -> list[UUID]:
    """Subjects holding both blind indexes, e.g. national id and date of birth."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            """
            SELECT a.subject_id
            FROM subject_identities a
            JOIN subject_identities b ON b.subject_id = a.subject_id
            JOIN subjects s ON s.subject_id = a.subject_id AND s.status = 'active'
            WHERE a.kind = %s AND a.value_bidx = %s AND b.kind = %s AND b.value_bidx = %s
            """,
            (first[0], first[1], second[0], second[1]),
        )
        return [row[0] for row in cur.fetchall()]


IDENTITIES_SQL = (
    "SELECT kind, value_ct, is_current FROM subject_identities "
    "WHERE subject_id = %s ORDER BY kind, first_seen_at"
)
"""(kind, ciphertext, is_current) of a subject's identity facts; shared with batched reads."""

SUBJECT_EXISTS_SQL = "SELECT 1 FROM subjects WHERE subject_id = %s"


def identities(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[str, bytes, bool]]:
    """(kind, ciphertext, is_current) for every identity fact of the subject."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(IDENTITIES_SQL, (subject_id,))
        return [(k, bytes(ct), bool(cur_)) for k, ct, cur_ in cur.fetchall()]


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
