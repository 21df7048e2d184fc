"""What the server sends matches what /openapi.json says it sends, on the routes FastAPI does
not check: those declared `response_model=None` or answering a raw `Response` (the signed
report is sent as the very bytes signed; the file, the score and the ingest report are plain
dicts). Each is called here and its body validated against the live spec's schema for that
status and media type, so the spec cannot drift from the code (issue 17).

Why a test and not runtime validation: on the report pull it would cost the busiest route a
second parse of a 15 kB body, and the other routes' bodies are built from typed rows already.
"""

from __future__ import annotations

import inspect
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient
from httpx import Response
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from tests.consent.conftest import Org, Person
from tests.furnishing.test_admissibility import json_record

CHECKED = {
    ("get", "/v1/me/file"),
    ("get", "/v1/me/score"),
    ("post", "/v1/me/score/what-if"),
    ("post", "/v1/reports"),
    ("get", "/v1/reports/{report_id}"),
    ("post", "/v1/operator/compelled-reports"),
    ("post", "/v1/furnish/records"),
    ("post", "/v1/furnish/metro2"),
    ("post", "/v1/furnish/metro2/validate"),
}
"""Validated below, body against schema."""

ELSEWHERE = {
    ("post", "/oauth/token"): "RFC 6749 §5.1/§5.2 JSON, checked field by field in tests/consent",
    ("get", "/v1/me/disputes/notices/{notice_id}"): "documented() in tests/disputes/test_routes.py",
    ("get", "/v1/org/dispute-notices/{notice_id}"): "documented() in tests/disputes/test_routes.py",
    ("get", "/v1/me/disputes/{dispute_id}/documents/{document_id}"):
        "the subject's own upload, byte for byte, in its own media type (tests/disputes)",
    ("get", "/v1/furnisher/disputes/{dispute_id}/documents/{document_id}"):
        "the subject's upload, byte for byte, in its own media type (tests/disputes)",
    ("get", "/v1/me/notices/{notice_id}/letter"): "an HTML letter (tests/notices)",
}  # fmt: skip
"""Not JSON the spec gives a schema for here, or validated in the test named."""


def _routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        included = getattr(route, "original_router", None)
        if isinstance(included, APIRouter):
            found.extend(_routes(included.routes))
    return found


def unvalidated(app: FastAPI) -> set[tuple[str, str]]:
    """The spec's operations whose answers FastAPI does not validate."""
    paths = app.openapi()["paths"]
    found = set()
    for route in _routes(app.routes):
        returns = str(inspect.signature(route.endpoint).return_annotation)
        if (route.response_model is None and route.status_code != 204) or "Response" in returns:
            found |= {(m.lower(), route.path) for m in route.methods or ()
                      if m.lower() in paths.get(route.path, {})}  # fmt: skip
    return found


def test_every_unvalidated_operation_is_checked_here_or_named_with_where(app: FastAPI) -> None:
    assert unvalidated(app) == CHECKED | set(ELSEWHERE)


def documented(client: TestClient, method: str, template: str, response: Response) -> Any:
    """The response's body, after checking it is what the live spec documents for it."""
    spec = client.get("/openapi.json").json()
    answers = spec["paths"][template][method]["responses"]
    assert str(response.status_code) in answers, (method, template, response.text)
    media = response.headers["content-type"].split(";")[0]
    content = answers[str(response.status_code)]["content"]
    assert media in content, (method, template, media, list(content))
    schema = content[media]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (method, template, errors[:5])
    return body


def test_a_subjects_file_and_score_are_as_documented(client: TestClient, person: Person) -> None:
    disclosure = documented(client, "get", "/v1/me/file",
                            client.get("/v1/me/file", headers=person.headers))  # fmt: skip
    assert disclosure["tradelines"]
    documented(client, "get", "/v1/me/score", client.get("/v1/me/score", headers=person.headers))
    change = {"changes": [{"kind": "pay_down", "tradeline_id": str(person.northwind_tradeline),
                           "balance": 0}, {"kind": "on_time", "months": 12}]}  # fmt: skip
    what_if = client.post("/v1/me/score/what-if", json=change, headers=person.headers)
    documented(client, "post", "/v1/me/score/what-if", what_if)


def test_a_pull_its_redelivery_and_a_compelled_report_are_as_documented(
    client: TestClient, person: Person, lumen: Org, operator: Org
) -> None:
    granted = client.post("/v1/me/consents", headers=person.headers, json={
        "requester_org_id": str(lumen.org_id), "purpose": "credit-transaction"})  # fmt: skip
    assert granted.status_code == 201, granted.text
    pull = {"grant_id": granted.json()["grant_id"], "purpose": "credit-transaction"}
    pulled = documented(client, "post", "/v1/reports",
                        client.post("/v1/reports", json=pull, headers=lumen.headers))  # fmt: skip
    again = client.get(f"/v1/reports/{pulled['report_id']}", headers=lumen.headers)
    assert documented(client, "get", "/v1/reports/{report_id}", again) == pulled
    order = {"subject_id": str(person.subject_id), "court_order_ref": "Case 26-CV-1042",
             "recipient": "Clerk of the Court"}  # fmt: skip
    compelled = client.post("/v1/operator/compelled-reports", json=order, headers=operator.headers)
    documented(client, "post", "/v1/operator/compelled-reports", compelled)


@pytest.fixture
def furnisher_code(pool: ConnectionPool, northwind: Org) -> str:
    with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT furnisher_code FROM organizations WHERE org_id = %s",
                    (northwind.org_id,))  # fmt: skip
        row = cur.fetchone()
    assert row is not None
    return str(row[0])


def test_furnishings_ingest_reports_are_as_documented(
    client: TestClient, northwind: Org, furnisher_code: str
) -> None:
    body = {"records": [json_record(9101), json_record(9102, account_status="ZZ")]}
    landed = client.post("/v1/furnish/records", json=body, headers=northwind.headers)
    assert documented(client, "post", "/v1/furnish/records", landed)["rejected"] == 1
    upload = to_bytes(records(2, seed=9103, furnisher=furnisher_code))
    checked = client.post("/v1/furnish/metro2/validate", content=upload, headers=northwind.headers)
    documented(client, "post", "/v1/furnish/metro2/validate", checked)
    sent = client.post("/v1/furnish/metro2", content=upload, headers=northwind.headers)
    assert documented(client, "post", "/v1/furnish/metro2", sent)["records"] == 2
