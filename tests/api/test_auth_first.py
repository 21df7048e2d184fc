"""Authentication comes before the body is read as JSON: a stranger learns nothing of a route's
input by sending it garbage (issue 17 item 5)."""

from __future__ import annotations

import asyncio
import inspect
from contextlib import AsyncExitStack
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.utils import solve_dependencies
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.consent.conftest import Org, Person

MALFORMED = b'{"grant_id": '  # a JSON document cut short
NOT_UTF8 = b'{"purpose": "\xff\xfe"}'
JSON = {"Content-Type": "application/json"}


def _json_body_operations(app: FastAPI) -> list[tuple[str, str]]:
    spec: dict[str, Any] = app.openapi()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path))
    return found


@pytest.mark.parametrize("body", [MALFORMED, NOT_UTF8], ids=["cut-short", "not-utf8"])
def test_an_unreadable_body_from_a_stranger_is_401_on_every_route_that_takes_json(
    app: FastAPI, client: TestClient, body: bytes
) -> None:
    operations = _json_body_operations(app)
    assert ("POST", "/v1/reports") in operations and ("POST", "/v1/me/consents") in operations
    for method, path in operations:
        url = path.replace("{", "").replace("}", "")  # any id: refused before it is looked up
        response = client.request(method, url, content=body, headers=JSON)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["field"] == "authorization"


def test_an_unreadable_body_with_the_wrong_kind_of_credential_is_403_not_422(
    client: TestClient, person: Person
) -> None:
    response = client.post("/v1/reports", content=MALFORMED, headers={**JSON, **person.headers})
    assert response.status_code == 403
    assert response.json()["type"].endswith("/wrong-credential")


def test_an_unreadable_body_with_a_key_lacking_the_scope_is_403(
    client: TestClient, northwind: Org
) -> None:
    response = client.post(
        "/v1/operator/compelled-reports", content=MALFORMED, headers={**JSON, **northwind.headers}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("body", [MALFORMED, NOT_UTF8], ids=["cut-short", "not-utf8"])
def test_an_authenticated_caller_is_told_the_body_is_not_json_naming_body(
    client: TestClient, lumen: Org, body: bytes
) -> None:
    response = client.post("/v1/reports", content=body, headers={**JSON, **lumen.headers})
    assert response.status_code == 422
    assert response.json()["field"] == "body"


def test_a_readable_body_still_reaches_the_route_once_decoded(
    client: TestClient, lumen: Org
) -> None:
    response = client.post(
        "/v1/reports",
        json={"grant_id": "00000000-0000-0000-0000-000000000000", "purpose": "credit-transaction"},
        headers=lumen.headers,
    )
    # Past authentication and the body's schema: refused by the grant check itself.
    assert response.status_code == 403
    assert response.json()["type"].endswith("/no-grant")


def test_a_schema_error_from_a_stranger_is_401_too(client: TestClient) -> None:
    response = client.post("/v1/reports", json={"purpose": 7})
    assert response.status_code == 401


def test_pulls_and_compelled_reports_take_their_credential_from_a_dependency(
    app: FastAPI,
) -> None:
    spec: dict[str, Any] = app.openapi()
    for path in ("/v1/reports", "/v1/operator/compelled-reports"):
        operation = spec["paths"][path]["post"]
        assert operation["security"] == [{"HTTPBearer": []}], path


# bureau/api/auth_first.py leans on three things FastAPI and Starlette do not promise; the
# FastAPI range in pyproject.toml is the one they were checked on. These tests name each, so an
# upgrade that moves one fails here, saying which, instead of as a 500 on a garbled body.


def test_fastapis_solve_dependencies_still_takes_what_auth_first_passes() -> None:
    parameters = inspect.signature(solve_dependencies).parameters
    passed = {"request", "dependant", "body", "dependency_overrides_provider",
              "async_exit_stack", "embed_body_fields"}  # fmt: skip
    assert passed <= set(parameters), f"solve_dependencies lost {passed - set(parameters)}"
    route = APIRoute("/probe", lambda: None, methods=["POST"])
    for attribute in ("dependant", "dependency_overrides_provider", "_embed_body_fields"):
        assert hasattr(route, attribute), f"APIRoute.{attribute} is gone"


def test_fastapi_still_keeps_the_inner_exit_stack_in_the_scope() -> None:
    seen: dict[str, object] = {}
    router = APIRouter()

    @router.post("/probe")
    async def probe(request: Request) -> None:
        seen["stack"] = request.scope.get("fastapi_inner_astack")

    app = FastAPI()
    app.include_router(router)
    assert TestClient(app).post("/probe").status_code == 200
    assert isinstance(seen["stack"], AsyncExitStack), "scope['fastapi_inner_astack'] is gone"


def test_starlettes_request_json_still_answers_from_its_cache() -> None:
    async def never_called() -> dict[str, object]:
        raise AssertionError("Request.json read the body although _json was set")

    request = Request({"type": "http", "method": "POST", "headers": []}, never_called)
    request._json = {"decoded": "once"}
    assert asyncio.run(request.json()) == {"decoded": "once"}
