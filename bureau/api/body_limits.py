"""A body-size limit per route, enforced before anything reads the body: 413 problem+json.

Why before authentication: a client with no key must not make the bureau read (or buffer)
50 MB to learn it is unauthenticated. A declared `Content-Length` over the limit is refused
at once, the body unread; a chunked body is counted as it streams and refused the moment it
passes the limit, whatever the route has read so far. Metro 2 uploads are exempt here: they
stream to a spool under their own cap (FAIRFILE_UPLOAD_MAX_BYTES, `bureau.furnishing.uploads`).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bureau.api import problems
from bureau.config import EdgeSettings

UPLOAD_PATHS = frozenset({"/v1/furnish/metro2", "/v1/furnish/metro2/validate"})
"""Streamed to disk with their own cap, so not limited here."""

PROBLEM_TYPE = "body-too-large"


class BodyTooLarge(Exception):
    """Raised into the app's read of a chunked body once it passes the limit."""


def limit_for(path: str, settings: EdgeSettings) -> int | None:
    """The route's body limit in bytes (None: the route streams under its own cap)."""
    if path in UPLOAD_PATHS:
        return None
    if path == "/v1/furnish/records":
        return settings.records_max_bytes
    return settings.body_max_bytes


def _too_large(limit: int) -> problems.JSONResponse:
    return problems.problem(
        413, PROBLEM_TYPE, "Request body too large",
        f"this route takes at most {limit} bytes of body", "body", limit=limit,
    )  # fmt: skip


class BodyLimit:
    def __init__(self, app: ASGIApp, settings: EdgeSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.settings)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)  # the body is never received
            return
        seen = 0
        refused = False
        started = False

        async def counting(  # the body as it streams, refused past the limit
        ) -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    raise BodyTooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if refused:  # whatever the app made of the aborted read, the answer is 413
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting if declared is None else receive, sending)
        except BodyTooLarge:
            pass
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await _too_large(limit)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
