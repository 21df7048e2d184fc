"""Per-credential and per-address rate limits, counted in PostgreSQL, told in headers.

Every API request (`/v1/…`, `/oauth/…`) counts one hit against its credential (a hash of the
`Authorization` value, so an unknown key is limited too, before anything authenticates it)
and one against its client address. The address is the TCP peer, or the one a trusted proxy
forwarded: uvicorn sets it only from FAIRFILE_TRUSTED_PROXIES (`bureau.sandbox.commands.
proxy_options`), so a client cannot pick its own. Counting is in PostgreSQL, in its own autocommit
statement on the async pool (a refused or failed request still counts), shared by every
worker; concurrent requests' hits go in one statement (`bureau.api.rate_counts`). Headers follow the IETF httpapi RateLimit draft: `RateLimit-Policy` names each limit,
`RateLimit` the one closest to running out; past a limit the answer is 429 problem+json
`rate-limited` with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from psycopg_pool import PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bureau.api import problems
from bureau.api.rate_counts import BatchedCounts
from bureau.config import EdgeSettings

COUNTED_PREFIXES = ("/v1/", "/oauth/")
PROBLEM_TYPE = "rate-limited"
log = logging.getLogger("bureau.api")


def buckets_of(scope: Scope) -> dict[str, str]:
    """Policy name -> counter bucket for this request: its credential's (if it sends one),
    then its address's."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"authorization":
            found["per-key"] = "key:" + hashlib.sha256(value).hexdigest()[:32]
            break
    client = scope.get("client")
    found["per-address"] = f"address:{client[0] if client else 'unknown'}"
    return found


class RateLimit:
    def __init__(self, app: ASGIApp, settings: EdgeSettings, pools: dict[Any, Any]) -> None:
        self.app = app
        self.settings = settings
        self.pools = pools  # the app's async pools by event loop (`bureau.app`)
        self.quota = {"per-key": settings.per_key, "per-address": settings.per_address}
        window = settings.window_seconds
        self.policy = ", ".join(f'"{n}";q={q};w={window}' for n, q in self.quota.items()).encode()
        # per event loop (its pool's connections belong to it); gone with the loop
        self._counts: WeakKeyDictionary[asyncio.AbstractEventLoop, BatchedCounts] = (
            WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(COUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        window = self.settings.window_seconds
        now = time.time()
        start = int(now // window) * window
        reset = max(1, int(start + window - now + 0.999))
        buckets = buckets_of(scope)
        try:
            hits = await self._count(list(buckets.values()), start)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.error("rate limits not counted (database unavailable): %s", exc)
            await problems.problem(503, "database-unavailable", "Database unavailable",
                                   "try again shortly")(scope, receive, send)  # fmt: skip
            return
        remaining = {n: self.quota[n] - hits.get(b, 0) for n, b in buckets.items()}
        tightest = min(remaining, key=lambda n: remaining[n])
        left = remaining[tightest]
        state = f'"{tightest}";r={max(left, 0)};t={reset}'.encode()
        if left < 0:
            refused = problems.problem(
                429, PROBLEM_TYPE, "Too many requests",
                f"the {tightest} limit of {self.quota[tightest]} requests per {window} s is "
                f"used up; try again in {reset} s", None, policy=tightest, retry_after=reset,
            )  # fmt: skip
            refused.headers["Retry-After"] = str(reset)
            refused.headers["RateLimit-Policy"] = self.policy.decode()
            refused.headers["RateLimit"] = state.decode()
            await refused(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("RateLimit-Policy", self.policy.decode())
                headers.append("RateLimit", state.decode())
            await send(message)

        await self.app(scope, receive, sending)

    async def _count(self, buckets: list[str], start: int) -> dict[str, int]:
        loop = asyncio.get_running_loop()
        counts = self._counts.get(loop)
        if counts is None:
            counts = self._counts[loop] = BatchedCounts(self.pools[loop])
        return await counts.count(buckets, datetime.fromtimestamp(start, UTC))
