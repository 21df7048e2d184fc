"""What every request body of the API accepts, whatever its route: the shared base and bounds.

Why one base: PostgreSQL text cannot hold a NUL byte, and psycopg refuses one only when the row
is written, as an error no route expects (a 500). Every body model derives from `RequestBody`,
so a NUL anywhere in a body is refused naming the field before any work starts, and unknown
fields are refused too. The bounds (`Text`, `Count`, `Instant`) are types, so the OpenAPI states
them and FastAPI enforces them: no integer past PostgreSQL's `integer`, no date past what
Python's `datetime` can add a period to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

INT32_MAX = 2**31 - 1
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The latest instant a body may name: far beyond any grant or thaw, and leaves room for the
period arithmetic a validity window needs (9999-12-31 overflows `datetime`)."""


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    if isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    return value


def _bounded(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None and value > LATEST:
        raise ValueError(f"must not be later than {LATEST.isoformat()}")
    if value is not None and value.tzinfo is None and value > LATEST.replace(tzinfo=None):
        raise ValueError(f"must not be later than {LATEST.isoformat()}")
    return value


class RequestBody(BaseModel):
    """Base of every JSON body: unknown fields and NUL characters are refused, per field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        return _no_nul(value)


Count = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""A positive count stored as PostgreSQL `integer`."""

Instant = Annotated[
    datetime,
    AfterValidator(_bounded),
    Field(description=f"RFC 3339 with a time zone, not later than {LATEST.date().isoformat()}"),
]
