"""SQL of the rate limits: owns `rate_limit_hits` (migration 0150).

A fixed-window counter per bucket, in PostgreSQL so every worker counts the same requests.
The table is UNLOGGED: a counter lost in a crash costs a client at most one window's
allowance, and no WAL is written (or flushed at commit) for a request's count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

_ADD_SQL = """
    INSERT INTO rate_limit_hits AS h (bucket, window_start, hits)
    SELECT * FROM unnest(%s::text[], %s::timestamptz[], %s::int[]) ORDER BY 1, 2
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = h.hits + EXCLUDED.hits
    RETURNING bucket, window_start, hits
"""
_PURGE_SQL = "DELETE FROM rate_limit_hits WHERE window_start < %s"


async def add(
    conn: psycopg.AsyncConnection[Any], hits: dict[tuple[str, datetime], int]
) -> dict[tuple[str, datetime], int]:
    """Add hits to (bucket, window) counters; each counter's new total.

    Rows are written in (bucket, window) order, so two workers' statements never take two
    counters' row locks in opposite orders (no deadlock between them).
    """
    ordered = sorted(hits.items())
    buckets = [b for (b, _), _ in ordered]
    starts = [s for (_, s), _ in ordered]
    counts = [n for _, n in ordered]
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_ADD_SQL, (buckets, starts, counts))
        return {(str(b), s): int(n) for b, s, n in await cur.fetchall()}


async def purge_before(conn: psycopg.AsyncConnection[Any], window_start: datetime) -> None:
    """Forget the counters of windows that ended (run once per new window, by the first
    request that sees it)."""
    await conn.execute(_PURGE_SQL, (window_start,))
