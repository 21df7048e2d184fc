"""Benchmark: what the switchable edge layers cost one report pull, measured in one process.

Why in-process: on a shared 2-core machine two servers' throughputs move with the neighbours'
load; the CPU one thread spends per request moves less, and how often it talks to PostgreSQL
not at all.
One event loop serves three apps over one seeded database, through httpx's ASGI transport
(no sockets), --clients pulls at a time (so rate-limit counts batch as they do when served),
in alternating slices (off, keys, on, on, keys, off, ...):
  off:  rate limits off, no Idempotency-Key (the app as built in code);
  keys: an Idempotency-Key on every pull, a new one each time (so each pull stores its record);
  on:   the same, with rate limits counted in PostgreSQL (limits too high to refuse).
For each: the loop thread's CPU per pull (`time.thread_time` over a slice, the median slice;
the client's and the server's Python, not PostgreSQL's), statements sent and calls of
`AsyncConnection.wait` (psycopg's every exchange with the server: a statement's send and its
result, a pipeline's sends and syncs, a commit), per pull.
The access-log sequencer and the webhook worker run in threads or processes of their own.

    python bench/edge_steps.py [--subjects 2000] [--pulls 200] [--rounds 6] [--clients 8]

Last stdout line: {"bench": "edge_steps", "<side>_cpu_us", "<side>_statements",
"<side>_waits", "keys_over_off", "on_over_off"} (CPU ratios per pull).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import checkout_first  # noqa: F401 (this checkout's bureau, not the venv's)
import httpx
import psycopg
import scratch_database
from pull import seed

from bureau.app import create_app
from bureau.config import EdgeSettings, Settings
from bureau.db.migrate import migrate
from bureau.signing import SigningKey, signing_key_file
from bureau.vault import Vault

SIDES = ("off", "keys", "on")


class Counts:
    """Statements and waits for the server, counted at psycopg's async API."""

    def __init__(self) -> None:
        self.statements = self.waits = 0

    def install(self) -> None:
        execute, wait = psycopg.AsyncCursor.execute, psycopg.AsyncConnection.wait
        counts = self

        async def counted_execute(cur: Any, *args: Any, **kwargs: Any) -> Any:
            counts.statements += 1
            return await execute(cur, *args, **kwargs)

        async def counted_wait(conn: Any, *args: Any, **kwargs: Any) -> Any:
            counts.waits += 1
            return await wait(conn, *args, **kwargs)

        psycopg.AsyncCursor.execute = counted_execute  # type: ignore[method-assign,assignment]
        psycopg.AsyncConnection.wait = counted_wait  # type: ignore[method-assign,assignment]


@asynccontextmanager
async def client_of(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app with its lifespan run in this loop, and a client that calls it in-process."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


async def run(args: argparse.Namespace, url: str, key_file: Path) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        vault = Vault.initialise(key_file, conn)
    SigningKey.load_or_create(signing_key_file(key_file))
    api_key, pairs = seed(url, vault, args.subjects, args.accounts)
    counts = Counts()
    counts.install()
    totals: dict[str, dict[str, Any]] = {
        side: {"cpu": [], "statements": 0, "waits": 0, "pulls": 0} for side in SIDES
    }
    sent = 0
    async with AsyncExitStack() as stack:
        clients = {}
        for side in SIDES:
            edge = EdgeSettings(rate_limits=side == "on", per_key=10**9, per_address=10**9)
            settings = Settings(database_url=url, data_dir=key_file.parent, key_file=key_file,
                                edge=edge)  # fmt: skip
            clients[side] = await stack.enter_async_context(client_of(settings))
        headers = {"Authorization": f"Bearer {api_key}"}

        async def pull(side: str) -> None:
            nonlocal sent
            sent += 1
            _, grant_id = pairs[sent % len(pairs)]
            keyed = {**headers, "Idempotency-Key": f"k{os.getpid()}-{sent}"}
            body = {"grant_id": str(grant_id), "purpose": "credit-transaction"}
            answer = await clients[side].post(
                "/v1/reports", json=body, headers=headers if side == "off" else keyed
            )
            if answer.status_code != 201:
                raise SystemExit(f"{side}: {answer.status_code} {answer.text[:300]}")

        async def pulls(side: str, n: int) -> None:
            """n pulls by --clients concurrent callers (so rate-limit counts batch as served)."""
            left = [n]

            async def caller() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    await pull(side)

            await asyncio.gather(*(caller() for _ in range(args.clients)))

        for side in SIDES:  # warm up: prepared statements, caches, the first pool connections
            await pulls(side, args.pulls // 2)
        for turn in range(args.rounds):
            order = SIDES if turn % 2 == 0 else tuple(reversed(SIDES))
            for side in order:
                statements, waits = counts.statements, counts.waits
                started = time.thread_time()
                await pulls(side, args.pulls)
                spent = (time.thread_time() - started) / args.pulls
                totals[side]["cpu"].append(spent)
                totals[side]["statements"] += counts.statements - statements
                totals[side]["waits"] += counts.waits - waits
                totals[side]["pulls"] += args.pulls
                print(f"round {turn + 1} {side}: {1e6 * spent:.0f} us per pull", file=sys.stderr)
    out: dict[str, Any] = {"bench": "edge_steps", "subjects": args.subjects,
                           "clients": args.clients, "pulls_per_slice": args.pulls,
                           "rounds": args.rounds}  # fmt: skip
    for side, total in totals.items():
        n = max(total["pulls"], 1)
        out[f"{side}_cpu_us"] = round(1e6 * statistics.median(total["cpu"]), 1)
        out[f"{side}_statements"] = round(total["statements"] / n, 2)
        out[f"{side}_waits"] = round(total["waits"] / n, 2)
    for side in ("keys", "on"):
        out[f"{side}_over_off"] = round(out[f"{side}_cpu_us"] / out["off_cpu_us"], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--pulls", type=int, default=200, help="pulls per slice")
    parser.add_argument("--rounds", type=int, default=6, help="slices per side")
    parser.add_argument("--clients", type=int, default=8, help="concurrent callers")
    args = parser.parse_args()
    url, _, folder = scratch_database.create("fairfile-bench-edge-")
    key_dir = Path(tempfile.mkdtemp(prefix="fairfile-bench-key-"))
    try:
        migrate(url)
        out = asyncio.run(run(args, url, key_dir / "master.key"))
    finally:
        scratch_database.stop_server(folder)
        shutil.rmtree(key_dir, ignore_errors=True)
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
