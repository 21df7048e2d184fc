"""The API's edge: the layers every request passes before the app's own middleware.

Outermost first: request id (so even a 500 carries one), access log and metrics, response
headers (no-store, Allow), the body-size limit (before anything reads the body or
authenticates), then rate limits (counted before any work). They wrap the whole of Starlette's
stack, its error handler included, so the answers they add to (a 500 too) and the answers
they give (413, 429) pass the same way. Idempotency sits inside, as the app's own middleware
(`bureau.api.idempotency`): it needs the exception handlers' answers.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from bureau.api.access_log import AccessLog
from bureau.api.body_limits import BodyLimit
from bureau.api.metrics import Metrics
from bureau.api.rate_limits import RateLimit
from bureau.api.request_ids import with_request_ids
from bureau.api.response_headers import ResponseHeaders
from bureau.config import Settings


class EdgeApp(FastAPI):
    """A FastAPI app whose middleware stack is wrapped in the edge layers."""

    edge_settings: Settings
    metrics: Metrics

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        edge = self.edge_settings.edge
        if edge.rate_limits:
            stack = RateLimit(stack, edge, self.state.async_pools)
        stack = BodyLimit(stack, edge)
        stack = ResponseHeaders(stack, self.router.routes)
        stack = AccessLog(stack, self.metrics)
        return with_request_ids(stack)


def edge_app(settings: Settings, **options: object) -> EdgeApp:
    """The app, with its settings and metrics in place for its edge."""
    app = EdgeApp(docs_url=None, redoc_url=None, **options)  # type: ignore[arg-type]
    app.edge_settings = settings
    app.metrics = Metrics()
    app.state.metrics = app.metrics
    return app
