"""A lender asks, the subject decides in the portal, the lender exchanges the code."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.consent.oauth.flow import (
    Lender,
    auth_params,
    decide,
    exchange,
    pkce,
    redirect_query,
)
from tests.web.conftest import Person


def pull(api: TestClient, lender: Lender, **grant: str) -> httpx.Response:
    body = {**grant, "purpose": "credit-transaction", "scope": "full"}
    return api.post("/v1/reports", json=body, headers=bearer(lender.key))


def test_metadata_describes_the_code_flow_with_s256_pkce_only(api: TestClient) -> None:
    meta = api.get("/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == "https://testserver"
    assert meta["authorization_endpoint"] == "https://testserver/portal/authorize"
    assert meta["token_endpoint"] == "https://testserver/oauth/token"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic", "client_secret_post"]  # fmt: skip
    assert meta["scopes_supported"] == ["full", "score"]
    assert "credit-transaction" in meta["fairfile_authorization_parameters"]["purpose"]
    assert meta["authorization_response_iss_parameter_supported"] is True


def test_the_issuer_is_the_setting_not_the_host_a_client_sends(api: TestClient) -> None:
    meta = api.get(
        "/.well-known/oauth-authorization-server", headers={"Host": "attacker.example"}
    ).json()
    assert meta["issuer"] == "https://testserver"
    assert meta["token_endpoint"] == "https://testserver/oauth/token"


def test_every_answer_to_the_lender_names_the_issuer(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    issuer = api.get("/.well-known/oauth-authorization-server").json()["issuer"]
    _, challenge = pkce()
    allowed = redirect_query(decide(browser, auth_params(lender, challenge), "allow"))
    declined = redirect_query(decide(browser, auth_params(lender, challenge), "decline"))
    assert allowed["iss"] == declined["iss"] == issuer


def test_allowed_code_exchanges_for_the_grant_its_receipt_and_a_token_that_pulls(
    api: TestClient, browser: TestClient, lender: Lender, person: Person
) -> None:
    verifier, challenge = pkce()
    params = auth_params(lender, challenge)
    back = redirect_query(decide(browser, params, "allow"))
    assert back["state"] == params["state"]

    # Pending: invisible to the lender until the code is exchanged.
    assert api.get("/v1/grants", headers=bearer(lender.key)).json()["grants"] == []

    token = exchange(api, lender, back["code"], verifier)
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert body["token_type"] == "Bearer" and body["access_token"].startswith("ffg_")
    assert body["grant"]["status"] == "active" and body["grant"]["max_uses"] == 1
    assert body["receipt"].count(".") == 2
    assert 0 < body["expires_in"] <= 365 * 86400

    listed = api.get("/v1/grants", headers=bearer(lender.key)).json()["grants"]
    assert [g["grant_id"] for g in listed] == [body["grant_id"]]
    assert listed[0]["receipt"] == body["receipt"] and listed[0]["subject_id"] == str(
        person.subject_id
    )

    report = pull(api, lender, grant_token=body["access_token"])
    assert report.status_code == 201, report.text
    assert report.json()["report"]["grant_id"] == body["grant_id"]
    # Used up: the token dies with the grant.
    again = pull(api, lender, grant_token=body["access_token"])
    assert again.status_code == 403 and again.json()["type"].endswith("/uses-exhausted")


def test_revoking_the_grant_kills_its_token(
    api: TestClient, browser: TestClient, lender: Lender, person: Person
) -> None:
    verifier, challenge = pkce()
    back = redirect_query(
        decide(browser, auth_params(lender, challenge, max_uses="", recurring="true"), "allow")
    )
    body = exchange(api, lender, back["code"], verifier).json()
    revoked = api.delete(f"/v1/me/consents/{body['grant_id']}", headers=person.headers)
    assert revoked.status_code == 200
    refused = pull(api, lender, grant_token=body["access_token"])
    assert refused.status_code == 403 and refused.json()["type"].endswith("/grant-revoked")
    status = api.get(f"/v1/grants/{body['grant_id']}", headers=bearer(lender.key)).json()
    assert status["status"] == "revoked"


def test_a_replayed_code_is_invalid_grant_and_revokes_the_grant_it_produced(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    verifier, challenge = pkce()
    back = redirect_query(decide(browser, auth_params(lender, challenge), "allow"))
    first = exchange(api, lender, back["code"], verifier).json()
    second = exchange(api, lender, back["code"], verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    grant = api.get(f"/v1/grants/{first['grant_id']}", headers=bearer(lender.key)).json()
    assert grant["status"] == "revoked"
    assert pull(api, lender, grant_token=first["access_token"]).status_code == 403


def test_declining_redirects_access_denied_and_leaves_no_grant_at_all(
    api: TestClient, browser: TestClient, lender: Lender, person: Person
) -> None:
    _, challenge = pkce()
    params = auth_params(lender, challenge)
    back = redirect_query(decide(browser, params, "decline"))
    assert (back["error"], back["state"]) == ("access_denied", params["state"])
    assert "code" not in back
    assert api.get("/v1/grants", headers=bearer(lender.key)).json()["grants"] == []
    assert api.get("/v1/me/consents?all=true", headers=person.headers).json()["grants"] == []
    log = api.get("/v1/me/access-log", headers=person.headers).json()
    events = [e["event"] for e in log["entries"]]
    assert "consent.declined" in events


def test_allow_is_in_the_access_log_and_the_page_states_the_terms(
    api: TestClient, browser: TestClient, lender: Lender, person: Person
) -> None:
    _, challenge = pkce()
    params = auth_params(lender, challenge, scope="score", max_uses="3", duration_days="30")
    page = browser.get("/portal/authorize", params=params)
    assert page.status_code == 200
    for words in (lender.name, "Only your score", "3 times", "revoke this consent at any moment"):
        assert words in page.text
    redirect_query(decide(browser, params, "allow"))
    events = [
        e["event"] for e in api.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    ]
    assert "consent.allowed" in events
