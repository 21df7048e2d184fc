"""Headers every response owes: `Cache-Control: no-store` where it may carry personal data,
and a true `Allow` on 405.

Why no-store by default: a file, a report, a grant receipt or a problem naming a subject must
not be kept by a shared cache or the browser's. Only what is public and the same for everyone
(the docs and their assets, the spec, the bureau's public keys, health) may be cached, and a
route that sets its own Cache-Control keeps it.

Why Allow here: Starlette answers 405 from the first route whose path matched, so its Allow
names that route's methods only; GET, PUT and DELETE on `/v1/me/freeze` are three routes.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = ("/docs", "/redoc", "/openapi.json", "/v1/keys", "/health")
"""Public, subject-free paths left to their own caching (or none)."""


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class ResponseHeaders:
    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    def allowed(self, scope: Scope) -> list[str]:
        """Every method some route serves on this path (HEAD with GET, as Starlette does).

        Asked of the routes one method at a time (FastAPI's included routers answer only
        whether a request matches, not which methods they hold); only a 405 pays for it."""
        methods = {
            method
            for method in METHODS
            for route in self.routes
            if route.matches({**scope, "method": method})[0] == Match.FULL
        }
        return sorted(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = not scope["path"].startswith(CACHEABLE_PREFIXES)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if private and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if message["status"] == 405:
                    headers["Allow"] = ", ".join(self.allowed(scope))
            await send(message)

        await self.app(scope, receive, sending)
