"""Writes joined into one statement mean on the event loop what they mean on a sync
connection: each write's parameters are its own, one named twice is one value, `%%` is a
percent sign, and a statement of any number of parameters runs (psycopg stops caching the
parse of a query past 50, so the async path numbers placeholders itself)."""

from __future__ import annotations

import asyncio

import psycopg

from bureau.db.write import Write, execute, execute_async


def _writes(width: int) -> list[Write]:
    many = Write("many", "SELECT " + " + ".join(f"%(p{n})s::int" for n in range(width))
                 + " AS total", {f"p{n}": n for n in range(width)}, returns="total")  # fmt: skip
    return [
        Write("twice", "SELECT %(x)s::int * %(x)s::int AS squared", {"x": 7}, returns="squared"),
        Write("other", "SELECT %(x)s::text || '%%' AS percent", {"x": "50"}, returns="percent"),
        Write("later", "SELECT (SELECT squared FROM twice) + 1 AS next", returns="next"),
        many,
    ]


async def _on_the_loop(url: str, writes: list[Write]) -> dict[str, object]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return await execute_async(conn, writes)


def test_joint_writes_answer_alike_on_the_loop_and_on_a_sync_connection(
    database_url: str,
) -> None:
    for width in (3, 80):  # below and above psycopg's cached-parse limit
        writes = _writes(width)
        with psycopg.connect(database_url) as conn:
            sync = execute(conn, writes)

        answered = asyncio.run(_on_the_loop(database_url, writes))
        assert answered == sync
        assert answered == {"twice": 49, "other": "50%", "later": 50,
                            "many": sum(range(width))}  # fmt: skip
