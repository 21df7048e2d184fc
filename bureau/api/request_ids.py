"""A request id on every response (`X-Request-ID`), in problem+json `instance` and in the log.

Why: a lender reporting "my pull failed" can quote the id, and the operator finds the one log
line and the one problem body that belong to it. A caller's own id is kept when it is
well-formed (so its traces join ours); anything else is replaced by a fresh one, never echoed.
asgi-correlation-id does the header and the context variable.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from uuid import uuid4

from asgi_correlation_id import CorrelationIdMiddleware
from asgi_correlation_id.context import correlation_id
from starlette.types import ASGIApp

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""1 to 128 characters, letters, digits and `._:-`: a UUID, a trace id, nginx's $request_id.
Nothing that could split a log line or a header, and short enough to quote."""


def well_formed(value: str) -> bool:
    return _WELL_FORMED.fullmatch(value) is not None


def current() -> str | None:
    """The id of the request being served, or None outside one."""
    return correlation_id.get()


def instance() -> str | None:
    """The problem+json `instance` of the request being served: a URN naming its id."""
    value = current()
    return f"urn:fairfile:request:{value}" if value else None


def with_request_ids(app: ASGIApp) -> ASGIApp:
    """`app` behind the request-id layer (outermost, so even a 500 carries the id)."""
    return CorrelationIdMiddleware(
        app, header_name=HEADER, generator=lambda: uuid4().hex, validator=well_formed
    )


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record ("-" outside a request), for the log format."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current() or "-"
        return True


def server_log_config() -> dict[str, object]:
    """uvicorn's logging set-up, plus the bureau's loggers with the request id on each line.

    The bureau's access line (`bureau.api.access_log`) replaces uvicorn's, which knows
    neither the request id nor the route."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"request_id": {"()": RequestIdFilter}}
    config["formatters"] = {
        **LOGGING_CONFIG["formatters"],
        "bureau": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    }
    config["handlers"] = {
        **LOGGING_CONFIG["handlers"],
        "bureau": {
            "class": "logging.StreamHandler",
            "formatter": "bureau",
            "filters": ["request_id"],
            "stream": "ext://sys.stderr",
        },
    }
    config["loggers"] = {
        **LOGGING_CONFIG["loggers"],
        "bureau": {"handlers": ["bureau"], "level": "INFO", "propagate": False},
    }
    return config
