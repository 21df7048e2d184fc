"""SQL for subjects' data keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row


def insert_subject(conn: psycopg.Connection[Any], subject_id: UUID) -> None:
    conn.execute("INSERT INTO subjects (subject_id) VALUES (%s)", (subject_id,))


def insert_data_key(
    conn: psycopg.Connection[Any], subject_id: UUID, version: int, kek_id: str, wrapped: bytes
) -> None:
    conn.execute(
        "INSERT INTO subject_keys (subject_id, key_version, kek_id, wrapped_key) "
        "VALUES (%s, %s, %s, %s)",
        (subject_id, version, kek_id, wrapped),
    )


def insert_subjects(
    conn: psycopg.Connection[Any], keys: Sequence[tuple[UUID, int, str, bytes]]
) -> None:
    """New subjects with their first wrapped data key, by COPY (bulk furnishing)."""
    with conn.cursor() as cur:
        with cur.copy("COPY subjects (subject_id) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["uuid"])
            for subject_id, *_ in keys:
                copy.write_row((subject_id,))
        with cur.copy(
            "COPY subject_keys (subject_id, key_version, kek_id, wrapped_key) "
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["uuid", "int4", "text", "bytea"])
            for row in keys:
                copy.write_row(row)


LIVE_DATA_KEYS_SQL = (
    "SELECT key_version, kek_id, wrapped_key FROM subject_keys "
    "WHERE subject_id = %s AND wrapped_key IS NOT NULL ORDER BY key_version"
)
"""(version, kek id, wrapped key) of a subject's live data keys; shared with batched reads."""


def live_data_keys(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[int, str, bytes]]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(LIVE_DATA_KEYS_SQL, (subject_id,))
        return [(int(v), str(k), bytes(w)) for v, k, w in cur.fetchall()]


def destroy_data_keys(conn: psycopg.Connection[Any], subject_id: UUID) -> None:
    conn.execute(
        "UPDATE subject_keys SET wrapped_key = NULL, destroyed_at = now() "
        "WHERE subject_id = %s AND wrapped_key IS NOT NULL",
        (subject_id,),
    )
    conn.execute(
        "UPDATE subjects SET status = 'shredded', shredded_at = now() WHERE subject_id = %s",
        (subject_id,),
    )
