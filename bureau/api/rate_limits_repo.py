"""SQL of the rate limits: owns `rate_limit_hits` (migration 0150).

A fixed-window counter per bucket, in PostgreSQL so every worker counts the same requests.
The table is UNLOGGED: a counter lost in a crash costs a client at most one window's
allowance, and no WAL is written (or flushed at commit) for a request's count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

_COUNT_SQL = """
    INSERT INTO rate_limit_hits AS h (bucket, window_start, hits)
    SELECT bucket, %s, 1 FROM unnest(%s::text[]) WITH ORDINALITY AS b (bucket, n) ORDER BY n
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = h.hits + 1
    RETURNING bucket, hits
"""
_PURGE_SQL = "DELETE FROM rate_limit_hits WHERE window_start < %s"


async def count(
    conn: psycopg.AsyncConnection[Any], buckets: Sequence[str], window_start: datetime
) -> dict[str, int]:
    """Count one hit in each bucket for this window; the hits so far, by bucket.

    Buckets are counted in the order given (credential before address, always), so two
    requests never take two counters' row locks in opposite orders.
    """
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(_COUNT_SQL, (window_start, list(buckets)))
        return {str(bucket): int(hits) for bucket, hits in await cur.fetchall()}


async def purge_before(conn: psycopg.AsyncConnection[Any], window_start: datetime) -> None:
    """Forget the counters of windows that ended (run once per new window, by the first
    request that sees it)."""
    await conn.execute(_PURGE_SQL, (window_start,))
