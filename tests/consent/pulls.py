"""Pulling a report in a test, through the one (async) release path on an event loop."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from bureau.reports import release


def pull_on_loop(database_url: str, *args: Any, keep: bool = False) -> release.Released:
    """`release.pull_report(conn, *args)` in a transaction of its own, rolled back unless
    `keep`, as the CLI or an in-process caller runs it (`asyncio.run`)."""

    async def go() -> release.Released:
        async with (
            await psycopg.AsyncConnection.connect(database_url) as conn,
            conn.transaction(force_rollback=not keep),
        ):
            return await release.pull_report(conn, *args)

    return asyncio.run(go())
