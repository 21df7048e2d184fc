"""Cursor pagination for every list the API returns: one opaque cursor format, one page shape.

A cursor is the sort key of the last row a page held (e.g. its `created_at` and id), encoded as
URL-safe base64 of a small JSON array, so the next page is a keyset query (`WHERE (a, b) < (…)`)
that stays fast and stable while rows are added. Clients treat it as opaque; a cursor that does
not decode is refused naming the `cursor` parameter, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from bureau.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_VERSION = 1

T = TypeVar("T")

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}")
]
"""A list route's `limit` parameter: its bounds are in the spec, and FastAPI enforces them."""
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern="^[A-Za-z0-9_-]+$",
        description="the `next_cursor` of the previous page (opaque); omit for the first page",
    ),
]


def encode_cursor(key: Sequence[str | int]) -> str:
    """The cursor for a row whose sort key is `key` (strings and integers only)."""
    raw = json.dumps([_VERSION, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, arity: int, field: str = "cursor") -> list[str | int]:
    """The sort key a cursor carries, or InvalidInput naming `field`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("not a cursor this API returned", field=field) from None
    if (
        not isinstance(values, list)
        or len(values) != arity + 1
        or values[0] != _VERSION
        or not all(isinstance(v, str | int) for v in values[1:])
    ):
        raise InvalidInput("not a cursor this API returned", field=field)
    return list(values[1:])


def decode_key(
    cursor: str | None, kinds: Sequence[type], field: str = "cursor"
) -> tuple[Any, ...] | None:
    """The typed sort key a cursor carries (None without one): each part read as its kind
    (`datetime`, `date`, `UUID`, `int`, `str`), or InvalidInput naming `field`."""
    if not cursor:
        return None
    parts = decode_cursor(cursor, len(kinds), field)
    try:
        return tuple(
            kind.fromisoformat(str(part)) if kind in (datetime, date) else kind(part)
            for kind, part in zip(kinds, parts, strict=True)
        )
    except (TypeError, ValueError):
        raise InvalidInput("not a cursor this API returned", field=field) from None


def key_of(*parts: Any) -> tuple[str | int, ...]:
    """A row's sort key as a cursor holds it (dates as ISO text, ids as text)."""
    return tuple(
        p if isinstance(p, int) else p.isoformat() if isinstance(p, datetime | date) else str(p)
        for p in parts
    )


def check_limit(limit: int, field: str = "limit") -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"must be between 1 and {MAX_LIMIT}", field=field)
    return limit


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None


def page_of(rows: list[T], limit: int, sort_key: Callable[[T], Sequence[str | int]]) -> Page[T]:
    """The first `limit` of `limit + 1` fetched rows; the extra one says a next page exists."""
    shown = rows[:limit]
    more = len(rows) > limit
    return Page(shown, encode_cursor(sort_key(shown[-1])) if more and shown else None)


class PageInfo(BaseModel):
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
