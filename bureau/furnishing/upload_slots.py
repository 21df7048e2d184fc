"""Uploads in progress per furnisher, counted in PostgreSQL so the limit holds across workers.

Why: the limit keeps one furnisher's stalled uploads from taking every connection and every
worker; counted in one process, N workers let N times as many in. Why leases: a slot is taken
in a short transaction of its own (no pooled connection is held while the body arrives), and a
process killed mid-upload cannot give its slots back, so each slot expires unless its holder
renews it, which it does while the upload runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from uuid import UUID, uuid4

from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool

from bureau.furnishing.uploads import TooManyUploads

# One furnisher's takes are serialised (a transaction-level advisory lock on its id), so two
# workers never both see the last free slot. Expired leases of that furnisher go first.
LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%(org)s::text, 230))"
EXPIRE = "DELETE FROM upload_slots WHERE org_id = %(org)s AND expires_at <= clock_timestamp()"
HELD = "SELECT count(*) AS held FROM upload_slots WHERE org_id = %(org)s"
INSERT = """
INSERT INTO upload_slots (org_id, holder, expires_at)
VALUES (%(org)s, %(holder)s, clock_timestamp() + make_interval(secs => %(lease)s))
"""
RENEW = """
UPDATE upload_slots SET expires_at = clock_timestamp() + make_interval(secs => %(lease)s)
 WHERE org_id = %(org)s AND holder = %(holder)s
"""
RELEASE = "DELETE FROM upload_slots WHERE org_id = %(org)s AND holder = %(holder)s"


@asynccontextmanager
async def upload_slot(
    pool: AsyncConnectionPool[Any], org_id: UUID, per_furnisher: int, lease: float
) -> AsyncIterator[None]:
    """One of `org_id`'s `per_furnisher` slots for the duration of the block, or 429
    `too-many-uploads`. The slot is a `lease`-second row, renewed every third of it."""
    args = {"org": org_id, "holder": uuid4(), "lease": lease}
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(LOCK, args)
        await conn.execute(EXPIRE, args)
        cur = conn.cursor(row_factory=tuple_row)
        row = await (await cur.execute(HELD, args)).fetchone()
        if row is not None and row[0] >= per_furnisher:  # HELD counts the live slots
            raise TooManyUploads(
                f"at most {per_furnisher} uploads per furnisher at once; wait for one to finish",
                field="body",
            )
        await conn.execute(INSERT, args)
    renewal = asyncio.get_running_loop().create_task(_renew(pool, args, lease / 3))
    try:
        yield
    finally:
        renewal.cancel()
        with suppress(asyncio.CancelledError):
            await renewal
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(RELEASE, args)


async def _renew(pool: AsyncConnectionPool[Any], args: dict[str, object], every: float) -> None:
    while True:
        await asyncio.sleep(every)
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(RENEW, args)
