"""Which subject an id belongs to, on a Citus cluster: owns `id_routes` (migration 0255).

Why: a lender names a report, a grant or a dispute by its id alone, and an OAuth client
presents a code; on Citus the rows behind them are distributed by `subject_id`, so a lookup by
the id alone would ask every shard. Each such id is recorded here with its subject, in the
same transaction as its row, in a table distributed by the id: finding the subject is a read
of one shard, and the lookup that follows names the subject, so it reads one shard too.

On one node nothing is written or read here: the ids' unique indexes answer the lookup in the
statement the caller already runs, and the report pull (the hot path) gains no statement.
Whether the database is distributed is asked once per database and process.
"""

from __future__ import annotations

import weakref
from typing import Any, Literal
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from bureau.db.write import Write

Kind = Literal["report", "grant", "dispute", "oauth-code", "credential", "session"]

_CITUS_SQL = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')"
_ROUTE_SQL = """
    INSERT INTO id_routes (id, kind, subject_id)
    VALUES (%(id)s, %(kind)s, %(subject_id)s)
"""
_SUBJECT_SQL = "SELECT subject_id FROM id_routes WHERE id = %s AND kind = %s"

_by_database: dict[tuple[str, int, str], bool] = {}
_by_connection: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
"""Per connection first: reading the connection's host, port and database name costs about
10 µs, the weak lookup under 1 µs, and a pull asks three times (measured, docs/scale.md)."""


def _database(info: psycopg.ConnectionInfo) -> tuple[str, int, str]:
    return (info.host, info.port, info.dbname)


def _key(id_: UUID | bytes | str) -> bytes:
    if isinstance(id_, UUID):
        return id_.bytes
    return id_.encode() if isinstance(id_, str) else id_


def distributed(conn: psycopg.Connection[Any]) -> bool:
    """Is this database a Citus coordinator's (so lookups by id go through a route)?"""
    known = _by_connection.get(conn)
    if known is None:
        database = _database(conn.info)
        known = _by_database.get(database)
        if known is None:
            with conn.cursor(row_factory=tuple_row) as cur:
                row = cur.execute(_CITUS_SQL).fetchone()
            known = _by_database[database] = bool(row and row[0])
        _by_connection[conn] = known
    return known


async def distributed_async(conn: psycopg.AsyncConnection[Any]) -> bool:
    """`distributed` on an async connection (the report pull runs on the event loop)."""
    known = _by_connection.get(conn)
    if known is None:
        database = _database(conn.info)
        known = _by_database.get(database)
        if known is None:
            async with conn.cursor(row_factory=tuple_row) as cur:
                await cur.execute(_CITUS_SQL)
                row = await cur.fetchone()
            known = _by_database[database] = bool(row and row[0])
        _by_connection[conn] = known
    return known


def route_write(kind: Kind, id_: UUID | bytes | str, subject_id: UUID) -> Write:
    """The route of a new id as a write, for a caller joining its writes in one statement
    (`bureau.db.write`); only on a distributed database."""
    name = "id_route_" + kind.replace("-", "_")
    return Write(name, _ROUTE_SQL, {"id": _key(id_), "kind": kind, "subject_id": subject_id})


def add(
    conn: psycopg.Connection[Any], kind: Kind, id_: UUID | bytes | str, subject_id: UUID
) -> None:
    """Record a new id's subject, in the caller's transaction (nothing on one node). A second
    id of the same kind is refused (unique violation), as the id's own unique index does on
    one node."""
    if distributed(conn):
        conn.execute(_ROUTE_SQL, {"id": _key(id_), "kind": kind, "subject_id": subject_id})


def claim(
    conn: psycopg.Connection[Any], kind: Kind, id_: UUID | bytes | str, subject_id: UUID
) -> bool:
    """Record a new id's subject unless the id is routed already: True when the id is (now)
    this subject's, False when another subject holds it. Always True on one node, where the
    id's own unique index decides (`ON CONFLICT` on it)."""
    if not distributed(conn):
        return True
    params = {"id": _key(id_), "kind": kind, "subject_id": subject_id}
    if conn.execute(_ROUTE_SQL + " ON CONFLICT DO NOTHING", params).rowcount == 1:
        return True
    return subject_of(conn, kind, id_) == subject_id


def keyed(
    conn: psycopg.Connection[Any], kind: Kind, id_: UUID | bytes | str, column: str,
    subject_column: str = "subject_id",
) -> tuple[str, tuple[Any, ...]] | None:  # fmt: skip
    """The condition (SQL and its parameters) finding the row of an id held in `column`: on
    one node the id alone (its unique index); on Citus the id and its subject, named by the
    route, so the read is of one shard. None: Citus knows no such id (nothing to read)."""
    if not distributed(conn):
        return f"{column} = %s", (id_,)
    subject_id = subject_of(conn, kind, id_)
    if subject_id is None:
        return None
    return f"{subject_column} = %s AND {column} = %s", (subject_id, id_)


def subject_of(conn: psycopg.Connection[Any], kind: Kind, id_: UUID | bytes | str) -> UUID | None:
    """The subject an id belongs to (None: no such id); a read of the id's one shard."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(_SUBJECT_SQL, (_key(id_), kind)).fetchone()
    return UUID(str(row[0])) if row else None


async def subject_of_async(
    conn: psycopg.AsyncConnection[Any], kind: Kind, id_: UUID | bytes | str
) -> UUID | None:
    """`subject_of` on an async connection."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_SUBJECT_SQL, (_key(id_), kind))
        row = await cur.fetchone()
    return UUID(str(row[0])) if row else None
