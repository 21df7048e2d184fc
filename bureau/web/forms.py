"""Reading the portal's HTML forms: text in, typed values out, errors that name the field.

Forms send strings; the services take UUIDs, dates and datetimes. A bad value becomes an
`InvalidInput` naming the form field, shown on the page next to the form, never a 422 dump.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

import psycopg
from fastapi.responses import RedirectResponse, Response

from bureau.errors import DomainError, InvalidInput
from bureau.web.render import secure


def uuid_field(value: str, field: str, *, required: bool = True) -> UUID | None:
    text = value.strip()
    if not text:
        if required:
            raise InvalidInput("choose one", field=field)
        return None
    try:
        return UUID(text)
    except ValueError:
        raise InvalidInput("not a valid choice", field=field) from None


def date_field(value: str, field: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("give a date as YYYY-MM-DD", field=field) from None


def day_start(day: date | None) -> datetime | None:
    """Midnight UTC at the start of `day`: the moment a date typed in a form stands for."""
    return datetime.combine(day, time(0), UTC) if day else None


def int_field(value: str, field: str, *, minimum: int = 0) -> int | None:
    text = value.strip().replace(",", "").lstrip("$")
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise InvalidInput("give a whole number", field=field) from None
    if number < minimum:
        raise InvalidInput(f"must be at least {minimum}", field=field)
    return number


def act(
    conn: psycopg.Connection[Any],
    action: Callable[[], object],
    failed: Callable[[DomainError], Response],
    path: str,
    what: str,
    anchor: str = "",
) -> Response:
    """A form's post: `action` (reading the fields and calling the service) in a savepoint, so a
    refusal keeps nothing of it and `failed` shows the page again naming it; on success back to
    `path` (post/redirect/get) saying what was done."""
    try:
        with conn.transaction():
            action()
    except DomainError as exc:
        return failed(exc)
    return done(path, what, anchor)


def done(path: str, what: str, anchor: str = "") -> Response:
    """After a successful post, go back to the page (post/redirect/get) saying what was done."""
    target = f"{path}?done={what}" + (f"#{anchor}" if anchor else "")
    return secure(RedirectResponse(target, status_code=303))
