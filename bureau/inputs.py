"""What every request body of the API accepts, whatever its route: the shared base and bounds.

Why one base: PostgreSQL text cannot hold a NUL byte, and psycopg refuses one only when the row
is written, as an error no route expects (a 500). Every body model derives from `RequestBody`,
so a NUL anywhere in a body is refused naming the field before any work starts, and unknown
fields are refused too. The bounds (`Text`, `Count`, `Instant`) are types, so the OpenAPI states
them and FastAPI enforces them: no integer past PostgreSQL's `integer`, no date past what
Python's `datetime` can add a period to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

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


def _kinds(annotation: Any) -> set[type]:
    """The plain types a field's annotation allows (through Optional, unions, Annotated)."""
    args = get_args(annotation)
    if get_origin(annotation) is Annotated:
        return _kinds(args[0])
    if args and get_origin(annotation) in (Union, UnionType):
        return {kind for arg in args for kind in _kinds(arg)}
    return {annotation} if isinstance(annotation, type) else set()


def _json_kind_matches(kinds: set[type], value: Any) -> bool:
    """Whether a JSON value is of a kind the field takes, as JSON Schema says: no `true` for an
    integer, no 1 for a boolean, no "1" for a number, no number for a date."""
    if isinstance(value, bool):
        return bool in kinds or not kinds & {int, float, date, datetime}
    if isinstance(value, int | float):
        if kinds & {int, float}:
            return isinstance(value, int) or float in kinds or value == int(value)
        return not kinds & {bool, date, datetime}
    if isinstance(value, str):
        return not kinds & {bool, int, float} or bool(kinds & {str, date, datetime})
    return True


_FIELD_KINDS: dict[type, dict[str, set[type]]] = {}


class RequestBody(BaseModel):
    """Base of every JSON body: unknown fields, NUL characters and values of the wrong JSON
    kind (which Pydantic would otherwise coerce: `"1"` to 1, `1` to true, `0` to 1970-01-01)
    are refused, per field, so the server accepts exactly what its schema says."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_kinds(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kinds = _FIELD_KINDS.get(cls)
        if kinds is None:  # once per model: a report pull's body pays only the lookups below
            kinds = {name: _kinds(f.annotation) for name, f in cls.model_fields.items()}
            _FIELD_KINDS[cls] = kinds
        wrong = [
            name
            for name, allowed in kinds.items()
            if name in data and not _json_kind_matches(allowed, data[name])
        ]
        if wrong:
            raise PydanticCustomError(
                "json_type", "{field}: wrong JSON type for this field", {"field": wrong[0]}
            )
        return data

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
