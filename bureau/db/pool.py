"""The connection pool and the one-transaction-per-unit-of-work helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool


def _options(min_size: int, max_size: int) -> dict[str, Any]:
    """What the sync and the async pool share: sizes, dict rows, opened by the caller."""
    return {"min_size": min_size, "max_size": max_size, "kwargs": {"row_factory": dict_row},
            "open": False}  # fmt: skip


def open_pool(
    url: str, *, min_size: int = 1, max_size: int = 8, timeout: float = 30.0
) -> ConnectionPool:
    """A pool whose connections return rows as dicts and are in UTC.

    UTC on every connection: timestamps are stored as timestamptz and shown as UTC, so a
    deadline computed on one machine is the same deadline on another.
    """

    def configure(conn: psycopg.Connection) -> None:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.commit()

    pool = ConnectionPool(
        url, configure=configure, name="fairfile", timeout=timeout, **_options(min_size, max_size)
    )
    pool.open(wait=True, timeout=15)
    return pool


async def open_async_pool(url: str, *, min_size: int = 1, max_size: int = 8) -> AsyncConnectionPool:
    """`open_pool` for the event loop (dict rows, UTC): report pulls run on it without a thread.

    Open it in the loop that will use it (the app's lifespan): its connections belong there.
    """

    async def configure(conn: psycopg.AsyncConnection) -> None:
        await conn.execute("SET TIME ZONE 'UTC'")
        await conn.commit()

    pool = AsyncConnectionPool(
        url, configure=configure, name="fairfile-async", **_options(min_size, max_size)
    )
    await pool.open(wait=True, timeout=15)
    return pool


def connect(url: str) -> psycopg.Connection[Any]:
    """One connection set up as the pool's are (dict rows, UTC), for a command that runs once
    and exits: the services it calls read rows the same way under the app and the CLI."""
    conn = psycopg.connect(url, row_factory=dict_row)
    conn.execute("SET TIME ZONE 'UTC'")
    conn.commit()  # the caller's transaction starts clean (e.g. with its isolation level)
    return conn


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[psycopg.Connection[Any]]:
    """One transaction: committed when the block ends, rolled back if it raises. Rows are dicts
    (the pool opens its connections with dict_row), which the pool's own type cannot say."""
    with pool.connection() as conn, conn.transaction():
        yield conn


@contextmanager
def one_transaction(url: str) -> Iterator[psycopg.Connection]:
    """A command's whole unit of work: one connection, one transaction, then the pool is closed
    (a command runs once and exits, so it keeps no pool around)."""
    pool = open_pool(url, max_size=1)
    try:
        with transaction(pool) as conn:
            yield conn
    finally:
        pool.close()
