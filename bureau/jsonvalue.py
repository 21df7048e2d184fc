"""`Json`: any JSON value, spelled out, for the few response fields that carry free-form data
(an item as its furnisher reported it, an event's detail, a notice's body). The OpenAPI says
"a string, number, boolean, null, array or object", not `{}`; it stops there rather than
recursing, because client generators (openapi-python-client) drop recursive schemas and every
model that uses one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import WithJsonSchema

JSON_VALUE_SCHEMA: dict[str, Any] = {
    "description": "any JSON value",
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {}},
        {"type": "object", "additionalProperties": True},
        {"type": "null"},
    ],
}

Json = Annotated[Any, WithJsonSchema(JSON_VALUE_SCHEMA)]
