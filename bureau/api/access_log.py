"""One server log line per request, with its request id, and the request's metrics.

Why here and not uvicorn's access log: uvicorn's line knows neither the request id nor the
route template; this one has both, and it is written for a 500 too (the layer sits outside
the error handler).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bureau.api import request_ids
from bureau.api.metrics import Metrics

log = logging.getLogger("bureau.access")


def route_template(scope: Scope) -> str:
    """The matched route's template (`/v1/reports/{report_id}`), or "unmatched"."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class AccessLog:
    """Times each HTTP request, counts it in `metrics`, and logs one line for it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            template = route_template(scope)
            self.metrics.observe(scope["method"], template, status, seconds)
            if log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                log.info(
                    "request_id=%s %s %s %s %d %.1fms", request_ids.current() or "-",
                    client[0] if client else "-", scope["method"], scope["path"], status,
                    seconds * 1000,
                )  # fmt: skip
