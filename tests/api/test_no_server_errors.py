"""Bad input is a 4xx naming the field, never a 500: each case here once answered 500."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient

from bureau.auth.service import OrgPrincipal
from bureau.orgs.routes import LastOperatorKey, revoke_key
from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer


def _subject(sandbox: SeedResult) -> dict[str, str]:
    return bearer(sandbox.personas["thin-file"]["token"])


def _operator(sandbox: SeedResult) -> dict[str, str]:
    return bearer(sandbox.org_keys["operator"]["key"])


def _grant(sandbox: SeedResult, **fields: Any) -> dict[str, Any]:
    return {
        "requester_org_id": sandbox.org_keys["lumen"]["org_id"],
        "purpose": "credit-transaction",
        **fields,
    }


@pytest.mark.parametrize("max_uses", [2147483648, 10**30])
def test_max_uses_past_the_integer_range_is_refused_naming_it(
    client: TestClient, sandbox: SeedResult, max_uses: int
) -> None:
    response = client.post(
        "/v1/me/consents", json=_grant(sandbox, max_uses=max_uses), headers=_subject(sandbox)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "max_uses"


def test_a_validity_window_at_the_end_of_time_is_refused_naming_it(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.post(
        "/v1/me/consents",
        json=_grant(sandbox, valid_from="9999-12-31T23:59:59Z"),
        headers=_subject(sandbox),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "valid_from"


def test_a_nul_character_in_a_text_field_is_refused_naming_it(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.post(
        "/v1/operator/organizations",
        json={"name": "Nul\x00Lending", "roles": ["user"]},
        headers=_operator(sandbox),
    )
    assert response.status_code == 422 and response.json()["field"] == "name"
    response = client.post(
        "/v1/me/fraud-alerts",
        json={"kind": "initial", "contact": "call\x00me"},
        headers=_subject(sandbox),
    )
    assert response.status_code == 422 and response.json()["field"] == "contact"


def test_a_nul_character_in_a_path_parameter_is_refused(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.delete("/v1/operator/keys/a%00b", headers=_operator(sandbox))
    assert response.status_code == 422
    assert response.json()["field"] == "key_id"


def test_a_duplicate_furnisher_code_is_a_conflict_naming_it(
    client: TestClient, sandbox: SeedResult
) -> None:
    body = {"name": "Twin Lending", "roles": ["furnisher"], "furnisher_code": "TWN0000099"}
    assert client.post("/v1/operator/organizations", json=body,
                       headers=_operator(sandbox)).status_code == 201  # fmt: skip
    again = client.post("/v1/operator/organizations", json=body, headers=_operator(sandbox))
    assert again.status_code == 409
    assert again.json()["type"].endswith("/furnisher-code-taken")
    assert again.json()["field"] == "furnisher_code"


def test_a_body_that_is_not_json_names_the_body_not_a_byte_offset(
    client: TestClient, sandbox: SeedResult
) -> None:
    headers = {**_subject(sandbox), "Content-Type": "application/json"}
    for broken in (b'{"purpose": ', b"\xff\xfe{"):
        response = client.post("/v1/me/consents", content=broken, headers=headers)
        assert response.status_code == 422, broken
        assert response.json()["field"] == "body"
        assert response.headers["content-type"] == "application/problem+json"


def test_an_org_key_on_a_subjects_route_is_403_naming_the_token_needed(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.get("/v1/me/consents", headers=bearer(sandbox.org_keys["lumen"]["key"]))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/wrong-credential")
    assert "subject's own token" in response.json()["detail"]


def test_a_key_cannot_carry_scopes_beyond_its_organizations_roles(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.post(
        f"/v1/operator/organizations/{sandbox.org_keys['lumen']['org_id']}/keys",
        json={"scopes": ["pull", "operator"]},
        headers=_operator(sandbox),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "scopes"
    assert "operator" in response.json()["detail"]


def test_the_last_operator_key_cannot_be_revoked(
    conn: psycopg.Connection[Any], sandbox: SeedResult
) -> None:
    own = sandbox.org_keys["operator"]["key"].split("_")[1]
    # inside the test's rolled-back transaction: every other operator key revoked first
    conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE 'operator' = ANY(scopes) AND key_id <> %s",
        (own,),
    )
    operator = OrgPrincipal(UUID(sandbox.org_keys["operator"]["org_id"]), own, "operator", frozenset({"operator"}),
                            frozenset({"operator"}))  # fmt: skip
    with pytest.raises(LastOperatorKey) as refused:
        revoke_key(own, operator, conn)
    assert refused.value.field == "key_id"
    revoked = conn.execute("SELECT revoked_at FROM api_keys WHERE key_id = %s", (own,)).fetchone()
    assert revoked is not None and revoked["revoked_at"] is None


def test_a_value_of_the_wrong_json_type_is_refused_not_coerced(
    client: TestClient, sandbox: SeedResult
) -> None:
    for field, value in (("max_uses", "1"), ("max_uses", True), ("recurring", 1)):
        response = client.post(
            "/v1/me/consents", json=_grant(sandbox, **{field: value}), headers=_subject(sandbox)
        )
        assert response.status_code == 422, (field, value)
        assert response.json()["field"] == field
    enrolment = {"name": "Epoch Person", "national_id": "000-00-0000", "dob": 0}
    response = client.post("/v1/operator/subjects", json=enrolment, headers=_operator(sandbox))
    assert response.status_code == 422 and response.json()["field"] == "dob"
