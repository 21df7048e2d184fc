"""Authentication before body validation: a stranger's unreadable body is 401, not 422.

Why: FastAPI decodes a JSON body before it solves a route's dependencies, so a body that is
not JSON was refused with 422 before anyone asked who sent it; a stranger learnt how the route
reads its input. (A body that is JSON but fails its schema was already fine: the dependencies,
authentication among them, run before the body's fields are judged.)

How: each route with a JSON body is served by a handler that decodes the body itself first.
When it is readable, the decoded value is handed to FastAPI's own handler (Starlette keeps it
on the request, so it is decoded once). When it is not, the route's own dependencies are
solved with no body: the credential dependency refuses an unauthenticated or wrong caller as
it does for every other request, and only a caller it accepts is told what is wrong with the
body. The dependencies' transaction is rolled back: nothing is stored.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, params
from fastapi.dependencies.utils import solve_dependencies
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _declares_json(request: Request) -> bool:
    """Whether FastAPI would decode this body as JSON (its rule: an `application/json` or
    `application/…+json` type; a body with no type is not decoded, the strict default)."""
    value = request.headers.get("content-type")
    if not value:
        return False
    message = email.message.Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _unreadable(error: ValueError) -> RequestValidationError:
    """The error FastAPI gives for a body that is not JSON (`problems` names `body` in it)."""
    position = error.pos if isinstance(error, json.JSONDecodeError) else 0
    reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
    return RequestValidationError(
        [
            {
                "type": "json_invalid",
                "loc": ("body", position),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": reason},
            }
        ]
    )


class AuthenticatedFirst(APIRoute):
    """An `APIRoute` whose handler judges an unreadable body only after the route's
    dependencies accepted the caller (FastAPI's documented hook: `get_route_handler`)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if not _has_json_body(self):
            return handler
        route = self

        async def app(request: Request) -> Response:
            body = await request.body()
            if body and _declares_json(request):
                try:
                    # What `Request.json` caches: FastAPI's handler reads it, not the bytes.
                    request._json = json.loads(body)
                except ValueError as error:  # JSONDecodeError, or UnicodeDecodeError
                    await solve_dependencies(
                        request=request,
                        dependant=route.dependant,
                        body=None,
                        dependency_overrides_provider=route.dependency_overrides_provider,
                        async_exit_stack=request.scope["fastapi_inner_astack"],
                        embed_body_fields=route._embed_body_fields,
                    )
                    raise _unreadable(error) from None
            return await handler(request)

        return app


def _has_json_body(route: APIRoute) -> bool:
    field = route.body_field
    return field is not None and not isinstance(field.field_info, params.Form)


def install(router: APIRouter) -> None:
    """Make `router`'s routes `AuthenticatedFirst`, before the app includes it (the app builds
    an included route's handler from its class). The routers stay plain `APIRouter()`s in
    their domains' modules; the order of checks is the edge's to choose, in one place."""
    for route in router.routes:
        if type(route) is APIRoute:
            route.__class__ = AuthenticatedFirst
        included = getattr(route, "original_router", None)  # a router this router includes
        if isinstance(included, APIRouter):
            install(included)
