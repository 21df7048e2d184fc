"""Rate-limit hits counted in PostgreSQL, one statement per batch of concurrent requests.

Why batch: every request of one client counts against the same row (its credential's bucket
in this window), so with a statement per request the concurrent ones queued on that row's
lock, each holding a pool connection while it waited: a served bureau's pulls lost a quarter
of their rate that way (docs/performance.md). Here the requests that arrive while a count is
in flight wait for the next one, which adds all their hits at once and tells each request the
total as it stood after its own hit. The counts still live only in PostgreSQL (every worker
adds to the same rows); what a process holds is the few hits of the statement being sent.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

from bureau.api import rate_limits_repo


class BatchedCounts:
    """Counts for one event loop's requests, sent by at most one statement at a time."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self._waiting: list[tuple[list[str], datetime, asyncio.Future[dict[str, int]]]] = []
        self._sending = False
        self._purged: datetime | None = None

    async def count(self, buckets: list[str], window_start: datetime) -> dict[str, int]:
        """One hit in each bucket; each bucket's hits in the window, this one included."""
        done: asyncio.Future[dict[str, int]] = asyncio.get_running_loop().create_future()
        self._waiting.append((buckets, window_start, done))
        if not self._sending:
            self._sending = True
            asyncio.get_running_loop().create_task(self._send())
        return await done

    async def _send(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    totals = await self._add(batch)
                except Exception as exc:  # every request of the batch learns it
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                _answer(batch, totals)
        finally:
            self._sending = False

    async def _add(
        self, batch: list[tuple[list[str], datetime, asyncio.Future[dict[str, int]]]]
    ) -> dict[tuple[str, datetime], int]:
        hits = Counter((bucket, start) for buckets, start, _ in batch for bucket in buckets)
        newest = max(start for _, start, _ in batch)
        async with self.pool.connection() as conn:
            await conn.set_autocommit(True)
            try:
                totals = await rate_limits_repo.add(conn, dict(hits))
                if self._purged != newest:
                    self._purged = newest
                    await rate_limits_repo.purge_before(conn, newest)
            finally:
                await conn.set_autocommit(False)
        return totals


def _answer(
    batch: list[tuple[list[str], datetime, asyncio.Future[dict[str, int]]]],
    totals: dict[tuple[str, datetime], int],
) -> None:
    """Each request's hits as they stood after its own: the batch's total less the hits of
    the requests after it in the batch."""
    later: Counter[tuple[str, datetime]] = Counter()
    for buckets, start, done in reversed(batch):
        seen = {b: totals[(b, start)] - later[(b, start)] for b in buckets}
        for bucket in buckets:
            later[(bucket, start)] += 1
        if not done.done():
            done.set_result(seen)
