"""RFC 9457 problem+json for every error the API returns, mapped in this one place.

Each body has a stable `type` URI (clients switch on it), a `title`, a `detail` for people, and
`field` naming the offending input when there is one. Unexpected errors return a generic 500
problem: never a stack trace. A client that shows pages instead (the portal) hands `install` an
`ErrorPage`, so this module never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from bureau.api import request_ids
from bureau.api.contract import MEDIA_TYPE, TYPE_BASE, document_problems
from bureau.errors import DomainError

log = logging.getLogger("bureau.api")

ErrorPage = Callable[[Request, int, str, str, str | None], Response | None]
"""(request, status, title, detail, field) -> a page for a request that wants one, else None."""


def problem(
    status: int, slug: str, title: str, detail: str, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    instance = request_ids.instance()  # the request's id: quoted by a caller, found in our log
    if instance is not None:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_path(error: dict[str, Any]) -> str:
    """The dotted path of the offending input. A body that is not JSON at all is `body`: its
    location's last part is a byte offset, which names no field."""
    if error.get("type") == "json_invalid":
        return "body"
    loc = list(error.get("loc", ()))
    if error.get("type") == "json_type":  # `bureau.inputs.RequestBody`: names its field
        loc.append(error.get("ctx", {}).get("field", ""))
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "")]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "not valid JSON (" + str(error.get("ctx", {}).get("error", "malformed")) + ")"
    return str(error.get("msg", "invalid"))


def install(app: FastAPI, page: ErrorPage | None = None) -> None:
    """Map every error to problem+json, or to `page`'s answer where it gives one, and say so in
    the app's OpenAPI (`bureau.api.contract`): every status of every operation, documented."""
    document_problems(app)

    def answer(
        request: Request,
        status: int,
        slug: str,
        title: str,
        detail: str,
        field: str | None = None,
        **extra: Any,
    ) -> Response:
        """problem+json for the API; the same error as a readable page where `page` has one."""
        shown = page(request, status, title, detail, field) if page is not None else None
        if shown is not None:
            return shown
        return problem(status, slug, title, detail, field, **extra)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return answer(request, exc.status, exc.type, exc.title, exc.detail, exc.field, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field_path(e), "reason": _reason(e)} for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        return answer(
            request,
            422,
            "invalid-input",
            "Invalid input",
            f"{first['field']}: {first['reason']}",
            first["field"],
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            # FastAPI's "error parsing the body" (bytes that are not UTF-8, say): input like
            # any other invalid input, so one status and one type for every bad body.
            detail = "body: not valid JSON (" + str(exc.detail) + ")"
            return answer(request, 422, "invalid-input", "Invalid input", detail, "body",
                          errors=[{"field": "body", "reason": str(exc.detail)}])  # fmt: skip
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        shown = answer(request, exc.status_code, slug, str(exc.detail), str(exc.detail))
        shown.headers.update(exc.headers or {})  # e.g. `Allow` on a 405
        return shown

    async def transaction_conflict(request: Request, exc: Exception) -> Response:
        """A deadlock or serialization failure: PostgreSQL rolled this request back whole so
        another could finish. Nothing was stored, and the same request sent again normally goes
        through: no outage (it is an OperationalError, which would otherwise answer 503)."""
        log.warning("transaction conflict on %s %s: %s", request.method, request.url.path, exc)
        return answer(
            request, 409, "transaction-conflict", "Conflicting concurrent request",
            "another request changed the same data at the same time; nothing was stored, "
            "send this request again",
        )  # fmt: skip

    # SQLSTATE class 40: psycopg gives the class and its two common members unrelated classes.
    for rolled_back in (
        psycopg.errors.TransactionRollback,
        psycopg.errors.DeadlockDetected,
        psycopg.errors.SerializationFailure,
    ):
        app.add_exception_handler(rolled_back, transaction_conflict)

    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, exc: psycopg.OperationalError) -> Response:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return answer(
            request, 503, "database-unavailable", "Database unavailable", "try again shortly"
        )

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        log.error("no database connection for %s %s", request.method, request.url.path)
        return answer(
            request, 503, "database-unavailable", "Database unavailable", "try again shortly"
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return answer(
            request,
            500,
            "internal-error",
            "Internal error",
            "the bureau could not complete this request",
        )
