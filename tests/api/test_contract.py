"""The OpenAPI tells the truth: every error status an operation can give is documented as
problem+json with the one shared Problem schema, and FastAPI's unused 422 schema is gone."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from bureau.api.contract import MEDIA_TYPE, RFC6749_PATHS, TYPE_BASE

PROBLEM_REF = "#/components/schemas/Problem"


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, op) for path, ops in spec["paths"].items() for m, op in ops.items()]


def test_fastapis_validation_error_schema_is_not_in_the_spec(app: FastAPI) -> None:
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "ValidationError" not in spec["components"]["schemas"]
    assert "HTTPValidationError" not in repr(spec["paths"])


def test_every_error_status_of_every_operation_is_a_problem(app: FastAPI) -> None:
    for path, method, op in _operations(app.openapi()):
        for status, response in op["responses"].items():
            if int(status) < 400 or (path in RFC6749_PATHS and status in ("400", "401")):
                continue
            content = response.get("content", {})
            assert list(content) == [MEDIA_TYPE], (method, path, status)
            schema = content[MEDIA_TYPE]["schema"]
            assert schema["allOf"] == [{"$ref": PROBLEM_REF}], (method, path, status)
            types = schema["properties"]["type"]["enum"]
            assert types and all(t.startswith(TYPE_BASE) for t in types), (method, path)


def test_a_credential_means_401_and_403_a_parameter_means_422(app: FastAPI) -> None:
    for path, method, op in _operations(app.openapi()):
        if path in RFC6749_PATHS:
            continue
        if "security" in op:
            assert {"401", "403"} <= set(op["responses"]), (method, path)
        if op.get("parameters") or "requestBody" in op:
            assert "422" in op["responses"], (method, path)
        assert {"409", "413", "429", "503"} <= set(op["responses"]), (method, path)


def test_a_route_documents_the_refusals_its_service_gives(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    pull = paths["/v1/reports"]["post"]["responses"]
    denials = pull["403"]["content"][MEDIA_TYPE]["schema"]["properties"]["type"]["enum"]
    for slug in ("no-grant", "grant-revoked", "uses-exhausted", "file-frozen", "wrong-credential"):
        assert TYPE_BASE + slug in denials
    assert "410" in pull  # a shredded file
    dispute = paths["/v1/me/disputes/{dispute_id}"]["get"]["responses"]["404"]
    assert TYPE_BASE + "dispute-not-found" in repr(dispute)
    # the extension the routes declare it with is merged, not left in the spec
    assert "x-refusals" not in repr(paths)


def test_operation_ids_are_readable_and_unique(app: FastAPI) -> None:
    ids = [op["operationId"] for _, _, op in _operations(app.openapi())]
    assert len(ids) == len(set(ids))
    assert {"pull_report", "create_grant", "revoke_grant", "file_dispute"} <= set(ids)


def test_the_report_pull_documents_its_signed_body(app: FastAPI) -> None:
    spec = app.openapi()
    created = spec["paths"]["/v1/reports"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"]
    report = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"report_id", "access_log_entry", "jws", "report"} <= set(report["required"])


def test_closed_sets_are_enums_and_bodies_have_examples(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert "credit-transaction" in schemas["Purpose"]["enum"]
    assert schemas["Scope"]["enum"] == ["full", "score"]
    assert set(schemas["AlertKind"]["enum"]) == {"initial", "extended", "active_duty"}
    assert "not-mine" in schemas["ReasonCode"]["enum"]
    for name in ("GrantIn", "PullIn", "FilingIn", "AlertIn", "ThawIn", "AdverseActionIn"):
        assert schemas[name].get("examples"), name


def test_bounds_are_in_the_spec(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    max_uses = schemas["GrantIn"]["properties"]["max_uses"]["anyOf"][0]
    assert max_uses["maximum"] == 2**31 - 1 and max_uses["minimum"] == 1
    deliveries = app.openapi()["paths"]["/v1/webhooks/deliveries"]["get"]["parameters"]
    limit = next(p for p in deliveries if p["name"] == "limit")["schema"]
    assert limit["maximum"] == 200 and limit["minimum"] == 1


def test_the_dispute_document_types_are_the_services(app: FastAPI) -> None:
    from typing import get_args

    from disputes.schemas import DocumentType
    from disputes.service import DOCUMENT_TYPES

    assert set(get_args(DocumentType)) == DOCUMENT_TYPES
    path = "/v1/me/disputes/{dispute_id}/documents/{document_id}"
    ok = app.openapi()["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(ok) == DOCUMENT_TYPES


def test_every_json_request_body_has_an_example(app: FastAPI) -> None:
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    for path, method, op in _operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        name = body["schema"]["$ref"].rsplit("/", 1)[1]
        assert schemas[name].get("examples"), (method, path, name)


def test_every_operation_has_a_description_and_a_tag(app: FastAPI) -> None:
    for path, method, op in _operations(app.openapi()):
        assert op.get("description"), (method, path)
        assert op.get("tags"), (method, path)


def test_the_edge_layers_problem_types_are_the_documented_ones() -> None:
    from bureau.api import body_limits, contract, idempotency, rate_limits

    documented = {slug for _, slug, _ in contract.EDGE_REFUSALS}
    assert {body_limits.PROBLEM_TYPE, rate_limits.PROBLEM_TYPE} == documented
    idempotent = {(s, slug) for s, slug, _ in contract.IDEMPOTENCY_REFUSALS}
    for error in (idempotency.IdempotencyKeyReused, idempotency.AnswerGone,
                  idempotency.ReplayFileClosed, idempotency.ReplayFileShredded):  # fmt: skip
        assert (error.status, error.type) in idempotent
