"""SQL for subjects' data keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from bureau.db import id_routes, shard_groups
from bureau.db.copy import copy_binary


def insert_data_key(
    conn: psycopg.Connection[Any], subject_id: UUID, version: int, kek_id: str, wrapped: bytes
) -> None:
    conn.execute(
        "INSERT INTO subject_keys (subject_id, key_version, kek_id, wrapped_key) "
        "VALUES (%s, %s, %s, %s)",
        (subject_id, version, kek_id, wrapped),
    )


def some_live_kek_id(conn: psycopg.Connection[Any]) -> str | None:
    """The master key id of one live data key, or None while there are none: a constant-time
    probe (the first row found), not a scan."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT kek_id FROM subject_keys WHERE wrapped_key IS NOT NULL LIMIT 1")
        row = cur.fetchone()
    return str(row[0]) if row is not None else None


def holds_data_keys(conn: psycopg.Connection[Any]) -> bool:
    """Whether any subject was ever given a data key (live or destroyed): a database with
    data, whose keys a start must be able to check."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM subject_keys)")
        row = cur.fetchone()
    return bool(row and row[0])


def one_wrapped_key_per_kek(conn: psycopg.Connection[Any]) -> list[tuple[str, bytes]]:
    """(master key id, one live wrapped data key under it) for each master key in use."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT DISTINCT ON (kek_id) kek_id, wrapped_key FROM subject_keys "
            "WHERE wrapped_key IS NOT NULL ORDER BY kek_id"
        )
        return [(str(k), bytes(w)) for k, w in cur.fetchall()]


def insert_data_keys(
    conn: psycopg.Connection[Any], keys: Sequence[tuple[UUID, int, str, bytes]]
) -> None:
    """New subjects' first wrapped data keys, by COPY (bulk furnishing); the subjects' rows
    are already written by their owner (bureau/subjects/repo.py)."""
    copy_binary(conn, "subject_keys", ("subject_id", "key_version", "kek_id", "wrapped_key"),
                ("uuid", "int4", "text", "bytea"), keys)  # fmt: skip


# Advisory lock keys of the master keys (rotation.py): tagged text, hashed by the server, so
# they never meet the bureau's other advisory keys.
_MASTER_KEYS_IN_USE = "fairfile.vault.master-keys-in-use"
_KEY_MAINTENANCE = "fairfile.vault.key-maintenance"


def lock_master_keys(conn: psycopg.Connection[Any], *, exclusive: bool) -> None:
    """Held until commit: shared by every transaction wrapping new data keys, exclusive by a
    retirement, so no data key is wrapped under a key between its last count and its removal."""
    if exclusive:
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_MASTER_KEYS_IN_USE,)
        )
    else:
        conn.execute(
            "SELECT pg_advisory_xact_lock_shared(hashtextextended(%s, 0))", (_MASTER_KEYS_IN_USE,)
        )


def try_lock_key_maintenance(conn: psycopg.Connection[Any]) -> bool:
    """One rotation or retirement at a time (a session lock: it spans many transactions)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (_KEY_MAINTENANCE,))
        row = cur.fetchone()
    return bool(row and row[0])


def unlock_key_maintenance(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (_KEY_MAINTENANCE,))


def live_data_keys_by_kek(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How many live (not destroyed) data keys each master key wraps."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT kek_id, count(*) FROM subject_keys WHERE wrapped_key IS NOT NULL "
            "GROUP BY kek_id ORDER BY kek_id"
        )
        return {str(kek_id): int(n) for kek_id, n in cur.fetchall()}


_UNDER = "kek_id = %s AND wrapped_key IS NOT NULL AND (subject_id, key_version) > (%s, %s)"


def data_keys_under(
    conn: psycopg.Connection[Any], kek_id: str, after: tuple[UUID, int] | None, limit: int
) -> list[tuple[UUID, int, bytes]]:
    """The next `limit` live data keys wrapped under `kek_id`, in key order after `after`
    (keyset pagination on the primary key), locked until commit against a concurrent shred.
    FOR NO KEY UPDATE, not FOR UPDATE: rows referencing the key (new identity facts) take
    FOR KEY SHARE and must not wait for a rotation.

    On Citus, which locks rows only in a statement over one shard, the page is found without a
    lock, then each shard's part of it is locked by one statement naming its subjects and
    checking again that each key is still live under `kek_id` (a key shredded in between drops
    out; a page whose every key did moves on to the next, so an empty answer still means
    done)."""
    start = after or (UUID(int=0), 0)  # key versions start at 1: (nil, 0) precedes every key
    with conn.cursor(row_factory=tuple_row) as cur:
        if not id_routes.distributed(conn):
            cur.execute(
                f"SELECT subject_id, key_version, wrapped_key FROM subject_keys WHERE {_UNDER} "
                "ORDER BY subject_id, key_version LIMIT %s FOR NO KEY UPDATE",
                (kek_id, *start, limit),
            )
            return [(s, int(v), bytes(w)) for s, v, w in cur.fetchall()]
        while True:
            cur.execute(
                f"SELECT subject_id, key_version FROM subject_keys WHERE {_UNDER} "
                "ORDER BY subject_id, key_version LIMIT %s",
                (kek_id, *start, limit),
            )
            page = [(s, int(v)) for s, v in cur.fetchall()]
            if not page:
                return []
            locked: list[tuple[UUID, int, bytes]] = []
            for subjects in shard_groups.by_shard(conn, "subject_keys", [s for s, _ in page]):
                cur.execute(
                    f"SELECT subject_id, key_version, wrapped_key FROM subject_keys "
                    f"WHERE subject_id = ANY(%s) AND {_UNDER} AND (subject_id, key_version) <= "
                    "(%s, %s) ORDER BY subject_id, key_version FOR NO KEY UPDATE",
                    (subjects, kek_id, *start, *page[-1]),
                )
                locked += [(s, int(v), bytes(w)) for s, v, w in cur.fetchall()]
            if locked:
                return sorted(locked)
            start = page[-1]


def rewrap_data_keys(
    conn: psycopg.Connection[Any], kek_id: str, rows: Sequence[tuple[UUID, int, bytes]]
) -> int:
    """Store data keys re-wrapped under `kek_id`, in one statement; how many rows changed."""
    cur = conn.execute(
        "UPDATE subject_keys k SET kek_id = %s, wrapped_key = u.w "
        "FROM unnest(%s::uuid[], %s::int4[], %s::bytea[]) AS u(s, v, w) "
        "WHERE k.subject_id = u.s AND k.key_version = u.v AND k.wrapped_key IS NOT NULL",
        (kek_id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
    )
    return cur.rowcount


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


def key_fingerprints(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], bytes]:
    """Every recorded key fingerprint by (kind, key id): a handful of rows."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT kind, key_id, fingerprint FROM vault_key_fingerprints")
        return {(str(k), str(i)): bytes(f) for k, i, f in cur.fetchall()}


def record_key_fingerprints(
    conn: psycopg.Connection[Any], fingerprints: dict[tuple[str, str], bytes]
) -> None:
    """Record the fingerprints not recorded yet (a recorded one never changes)."""
    if not fingerprints:
        return
    kinds, ids, prints = zip(*((k, i, f) for (k, i), f in fingerprints.items()), strict=True)
    conn.execute(
        """
        INSERT INTO vault_key_fingerprints (kind, key_id, fingerprint)
        SELECT * FROM unnest(%s::text[], %s::text[], %s::bytea[])
        ON CONFLICT (kind, key_id) DO NOTHING
        """,
        (list(kinds), list(ids), list(prints)),
    )
