"""A furnisher's upload slots are leases in PostgreSQL: shared by every worker, given back when
an upload ends, and freed by expiry when the worker holding one died."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from psycopg_pool import ConnectionPool

from bureau.db.pool import open_async_pool, transaction
from bureau.furnishing.upload_slots import upload_slot
from bureau.furnishing.uploads import TooManyUploads


def test_a_slot_left_by_a_dead_worker_frees_when_its_lease_runs_out(
    pool: ConnectionPool, database_url: str
) -> None:
    org_id = uuid4()
    with transaction(pool) as conn:  # a worker died holding the only slot: 2 s of its lease left
        conn.execute(
            "INSERT INTO upload_slots (org_id, holder, expires_at)"
            " VALUES (%s, %s, now() + interval '2 seconds')",
            (org_id, uuid4()),
        )

    async def scenario() -> None:
        async_pool = await open_async_pool(database_url, max_size=2)
        try:
            with pytest.raises(TooManyUploads):
                async with upload_slot(async_pool, org_id, 1, lease=5):
                    pass
            await asyncio.sleep(2.5)
            async with upload_slot(async_pool, org_id, 1, lease=5), async_pool.connection() as conn:
                cur = await conn.execute(
                    "SELECT count(*) FROM upload_slots WHERE org_id = %s", (org_id,)
                )
                assert await cur.fetchone() == {"count": 1}  # the expired lease was dropped
        finally:
            await async_pool.close()

    asyncio.run(scenario())
    with transaction(pool) as conn:
        left = conn.execute("SELECT count(*) FROM upload_slots WHERE org_id = %s", (org_id,))
        assert left.fetchone() == {"count": 0}  # given back at the end


def test_a_running_upload_renews_its_lease(database_url: str) -> None:
    org_id = uuid4()

    async def scenario() -> None:
        async_pool = await open_async_pool(database_url, max_size=2)
        try:
            async with upload_slot(async_pool, org_id, 1, lease=1.5):
                await asyncio.sleep(2.5)  # past the first lease: renewed every 0.5 s
                with pytest.raises(TooManyUploads):
                    async with upload_slot(async_pool, org_id, 1, lease=1.5):
                        pass
        finally:
            await async_pool.close()

    asyncio.run(scenario())
