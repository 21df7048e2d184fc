"""SQL for the portal's server-side sessions and its record of failed sign-ins.

Every time is passed in (the request's clock), never `now()`, so tests can walk a session
past its idle or absolute end and a lockout past its window without sleeping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import class_row, tuple_row

from bureau import events
from bureau.db import id_routes
from bureau.db.write import Write
from bureau.web.session import StoredSession


def insert_session(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    session_hash: bytes,
    credential_id: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        """
        INSERT INTO portal_sessions
            (subject_id, session_hash, credential_id, created_at, last_seen_at, expires_at)
        VALUES (%s, %s, %s, %s, %s, %s)
        """,
        (subject_id, session_hash, credential_id, now, now, expires_at),
    )
    id_routes.add(conn, "session", session_hash, subject_id)


def session(conn: psycopg.Connection[Any], session_hash: bytes) -> StoredSession | None:
    """The session with its credential's and file's state; served by the unique hash index on
    one node, on the subject's shard (the hash's route) on Citus."""
    found = id_routes.keyed(conn, "session", session_hash, "p.session_hash", "p.subject_id")
    if found is None:
        return None
    where, params = found
    with conn.cursor(row_factory=class_row(StoredSession)) as cur:
        cur.execute(
            f"""
            SELECT p.subject_id, p.credential_id, p.created_at, p.last_seen_at, p.expires_at,
                   p.revoked_at, c.revoked_at AS credential_revoked_at,
                   s.status AS subject_status
            FROM portal_sessions p
            JOIN subject_credentials c USING (subject_id, credential_id)
            JOIN subjects s USING (subject_id)
            WHERE {where}
            """.encode(),
            params,
        )
        return cur.fetchone()


def touch_session(conn: psycopg.Connection[Any], session_hash: bytes, now: datetime) -> None:
    found = id_routes.keyed(conn, "session", session_hash, "session_hash")
    if found is not None:
        conn.execute(
            f"UPDATE portal_sessions SET last_seen_at = greatest(last_seen_at, %s) "
            f"WHERE {found[0]}".encode(),
            (now, *found[1]),
        )


def revoke_session(conn: psycopg.Connection[Any], session_hash: bytes, now: datetime) -> None:
    found = id_routes.keyed(conn, "session", session_hash, "session_hash")
    if found is not None:
        conn.execute(
            f"UPDATE portal_sessions SET revoked_at = %s WHERE {found[0]} "
            "AND revoked_at IS NULL".encode(),
            (now, *found[1]),
        )


def delete_ended_sessions(
    conn: psycopg.Connection[Any], subject_id: UUID, ended_before: datetime
) -> None:
    """Forget the subject's sessions that ended (signed out or past their absolute end) before
    `ended_before`; run at sign-in, so the table holds about one row per live session."""
    conn.execute(
        """
        DELETE FROM portal_sessions
        WHERE subject_id = %s AND (revoked_at < %s OR expires_at < %s)
        """,
        (subject_id, ended_before, ended_before),
    )


def lock_signin_key(conn: psycopg.Connection[Any], key: str) -> None:
    """Serialise sign-in attempts sharing `key` until the transaction ends, so concurrent
    attempts (from several workers) cannot all pass a limit they together exceed."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("portal-signin:" + key,))


FailureKey = Literal["credential_id", "client_address"]


def nth_recent_failure(
    conn: psycopg.Connection[Any],
    by: FailureKey,
    value: str,
    since: datetime,
    now: datetime,
    n: int,
) -> datetime | None:
    """The n-th most recent failure in (since, now] with this credential id or this client
    address, or None if there are fewer than n; served by that column's index."""
    query = sql.SQL(
        """
        SELECT failed_at FROM portal_signin_failures
        WHERE {column} = %s AND failed_at > %s AND failed_at <= %s
        ORDER BY failed_at DESC OFFSET %s LIMIT 1
        """
    ).format(column=sql.Identifier(by))
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, (value, since, now, n - 1)).fetchone()
    return None if row is None else row[0]


def nth_recent_failure_from(
    conn: psycopg.Connection[Any],
    credential_id: str,
    client_address: str,
    since: datetime,
    now: datetime,
    n: int,
) -> datetime | None:
    """`nth_recent_failure` of one credential id from one client address."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            """
            SELECT failed_at FROM portal_signin_failures
            WHERE credential_id = %s AND client_address = %s
              AND failed_at > %s AND failed_at <= %s
            ORDER BY failed_at DESC OFFSET %s LIMIT 1
            """,
            (credential_id, client_address, since, now, n - 1),
        ).fetchone()
    return None if row is None else row[0]


def insert_failure(
    conn: psycopg.Connection[Any], now: datetime, credential_id: str | None, client_address: str
) -> None:
    conn.execute(
        "INSERT INTO portal_signin_failures (failed_at, credential_id, client_address) "
        "VALUES (%s, %s, %s)",
        (now, credential_id, client_address),
    )


def delete_old_failures(
    conn: psycopg.Connection[Any],
    credential_id: str | None,
    client_address: str,
    before: datetime,
) -> None:
    """Forget this credential's and this address's failures that no window counts any more
    (only theirs: both indexes serve it, and no other sign-in's rows are locked)."""
    conn.execute(
        """
        DELETE FROM portal_signin_failures
        WHERE failed_at < %s AND (client_address = %s OR credential_id = %s)
        """,
        (before, client_address, credential_id),
    )


@events.subscribe(events.FileKeysShredded)
def end_shredded_sessions(event: events.FileKeysShredded) -> list[Write]:
    """Erasure: the subject's portal sessions go (the credential stays, so a sign-in is told
    the file is gone rather than that the credential is unknown)."""
    return [Write("portal_sessions", "DELETE FROM portal_sessions WHERE subject_id = %(s)s",
                  {"s": event.subject_id})]  # fmt: skip
