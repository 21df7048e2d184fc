"""`Json`: any JSON value, spelled out, for the few response fields that carry free-form data
(an item as its furnisher reported it, an event's detail). Spelled out rather than `Any`, so
the OpenAPI says "a string, number, boolean, null, array or object of these", not `{}`."""

from __future__ import annotations

from typing import Union

from typing_extensions import TypeAliasType

Json = TypeAliasType(
    "Json",
    "Union[str, int, float, bool, list[Json], dict[str, Json], None]",  # noqa: UP007
)
