"""Organization API keys: unknown or revoked → 401, wrong scope → 403, keys stored hashed."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer

PROBLEM = "application/problem+json"


def test_request_without_a_key_is_401_naming_the_authorization_field(client: TestClient) -> None:
    response = client.get("/v1/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/unauthenticated") and body["field"] == "authorization"


def test_unknown_key_is_401(client: TestClient) -> None:
    fake = "ffk_0123456789abcdef_" + "A" * 43
    assert client.get("/v1/whoami", headers=bearer(fake)).status_code == 401


def test_key_with_a_wrong_secret_is_401(client: TestClient, sandbox: SeedResult) -> None:
    real = sandbox.org_keys["lumen"]["key"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert client.get("/v1/whoami", headers=bearer(forged)).status_code == 401


def test_valid_key_identifies_its_organization_and_scopes(
    client: TestClient, sandbox: SeedResult
) -> None:
    response = client.get("/v1/whoami", headers=bearer(sandbox.org_keys["northwind"]["key"]))
    assert response.status_code == 200
    assert response.json()["name"] == "Northwind Bank"
    assert response.json()["scopes"] == ["furnish", "pull"]


def test_key_without_the_operator_scope_is_403(client: TestClient, sandbox: SeedResult) -> None:
    response = client.post(
        "/v1/operator/organizations",
        json={"name": "Sneaky Lender", "roles": ["user"]},
        headers=bearer(sandbox.org_keys["lumen"]["key"]),
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")


def test_subject_token_on_an_org_route_is_403_naming_the_key_needed(
    client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["thin-file"]["token"]
    response = client.get("/v1/whoami", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/wrong-credential")
    assert "organization's API key" in response.json()["detail"]


def test_revoked_key_is_refused_at_once(client: TestClient, sandbox: SeedResult) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    org = client.post(
        "/v1/operator/organizations",
        json={"name": "Revocable Lending", "roles": ["user"]},
        headers=operator,
    ).json()
    issued = client.post(
        f"/v1/operator/organizations/{org['org_id']}/keys",
        json={"scopes": ["pull"]},
        headers=operator,
    ).json()
    assert client.get("/v1/whoami", headers=bearer(issued["key"])).status_code == 200
    assert (
        client.delete(f"/v1/operator/keys/{issued['key_id']}", headers=operator).status_code == 204
    )
    assert client.get("/v1/whoami", headers=bearer(issued["key"])).status_code == 401


def test_keys_are_stored_only_as_hashes(
    client: TestClient, sandbox: SeedResult, database_url: str
) -> None:
    with psycopg.connect(database_url) as conn:
        stored = b"".join(bytes(r[0]) for r in conn.execute("SELECT secret_hash FROM api_keys"))
        ids = {r[0] for r in conn.execute("SELECT key_id FROM api_keys")}
    for org in sandbox.org_keys.values():
        key = org["key"]
        assert key.encode() not in stored and key.split("_", 2)[2].encode() not in stored
        assert key.split("_")[1] in ids


def test_malformed_json_is_422_naming_the_field(client: TestClient, sandbox: SeedResult) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    response = client.post(
        "/v1/operator/organizations", json={"name": "No Roles Inc"}, headers=operator
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "roles"
    broken = client.post(
        "/v1/operator/organizations",
        content=b'{"name": ',
        headers={**operator, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["type"].endswith("/invalid-input")


def test_unknown_scope_is_refused_naming_the_field(client: TestClient, sandbox: SeedResult) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    org_id = sandbox.org_keys["lumen"]["org_id"]
    response = client.post(
        f"/v1/operator/organizations/{org_id}/keys", json={"scopes": ["root"]}, headers=operator
    )
    assert response.status_code == 422 and response.json()["field"].startswith("scopes")
