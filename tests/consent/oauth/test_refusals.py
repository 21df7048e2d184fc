"""Every refusal of the consent flow, as the lender and the subject see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer
from tests.consent.oauth.flow import (
    Lender,
    auth_params,
    consent_page,
    decide,
    exchange,
    new_lender,
    pkce,
    redirect_query,
)


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"code_challenge": ""}, "code_challenge"),
        ({"code_challenge_method": "plain"}, "code_challenge_method"),
        ({"code_challenge_method": ""}, "code_challenge_method"),
        ({"state": ""}, "state"),
        ({"purpose": "marketing"}, "purpose"),
        ({"purpose": "court-order"}, "purpose"),
        ({"duration_days": "366"}, "duration_days"),
        ({"duration_days": "0"}, "duration_days"),
        ({"max_uses": "2", "recurring": "true"}, "max_uses"),
        ({"scope": "everything"}, "invalid_scope"),
    ],
)
def test_a_bad_request_from_a_verified_client_goes_back_to_it_naming_the_parameter(
    browser: TestClient, lender: Lender, change: dict[str, str], mentions: str
) -> None:
    _, challenge = pkce()
    params = {**auth_params(lender, challenge), **change}
    params = {k: v for k, v in params.items() if v != ""}
    back = redirect_query(consent_page(browser, params))
    assert back["error"] in ("invalid_request", "invalid_scope")
    assert mentions in back.get("error_description", "") or back["error"] == mentions
    assert "code" not in back


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "00000000-0000-4000-8000-000000000000"},
        {"client_id": "not-a-client"},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": "http://127.0.0.1/other-path"},
        {"redirect_uri": ""},
    ],
)
def test_an_unknown_client_or_unregistered_redirect_uri_gets_a_page_never_a_redirect(
    browser: TestClient, lender: Lender, change: dict[str, str]
) -> None:
    _, challenge = pkce()
    params = {k: v for k, v in {**auth_params(lender, challenge), **change}.items() if v != ""}
    page = consent_page(browser, params)
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "cannot be used" in page.text and "Nothing was shared" in page.text


def test_loopback_redirect_uris_match_on_any_port(browser: TestClient, lender: Lender) -> None:
    _, challenge = pkce()
    params = auth_params(lender, challenge, redirect_uri="http://127.0.0.1:53682/callback")
    assert consent_page(browser, params).status_code == 200


def test_a_user_not_signed_in_signs_in_first_and_comes_back(
    api: TestClient, lender: Lender
) -> None:
    _, challenge = pkce()
    page = consent_page(api, auth_params(lender, challenge))
    assert page.status_code == 303
    assert page.headers["location"].startswith("/portal/signin?next=%2Fportal%2Fauthorize%3F")


def _code(browser: TestClient, lender: Lender) -> tuple[str, str]:
    verifier, challenge = pkce()
    return redirect_query(decide(browser, auth_params(lender, challenge), "allow"))[
        "code"
    ], verifier


def test_a_wrong_verifier_is_invalid_grant_and_voids_the_pending_grant(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    code, verifier = _code(browser, lender)
    _, other = pkce()
    wrong = exchange(api, lender, code, other[:43])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The pending grant is void: the right verifier no longer works, and no grant exists.
    retry = exchange(api, lender, code, verifier)
    assert retry.json()["error"] == "invalid_grant"
    assert api.get("/v1/grants", headers=bearer(lender.key)).json()["grants"] == []
    shown = browser.get("/portal/consents").text
    assert "Requests you allowed that were not collected" in shown
    assert f"<td>{lender.name}</td>" in shown and "<td>void</td>" in shown


def test_a_missing_verifier_is_invalid_request(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    code, _ = _code(browser, lender)
    response = api.post("/oauth/token", auth=lender.basic(), data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": "http://127.0.0.1/callback"})  # fmt: skip
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_an_expired_code_is_invalid_grant(
    api: TestClient, browser: TestClient, lender: Lender, pool: ConnectionPool
) -> None:
    code, verifier = _code(browser, lender)
    with transaction(pool) as conn:
        conn.execute(
            "UPDATE oauth_authorizations SET code_expires_at = %s WHERE client_id = %s",
            (datetime.now(UTC) - timedelta(seconds=1), lender.org_id),
        )
    response = exchange(api, lender, code, verifier)
    assert response.json()["error"] == "invalid_grant"
    assert api.get("/v1/grants", headers=bearer(lender.key)).json()["grants"] == []


def test_a_code_presented_by_another_client_is_invalid_grant(
    api: TestClient, browser: TestClient, lender: Lender, sandbox: SeedResult
) -> None:
    code, verifier = _code(browser, lender)
    thief = new_lender(api, sandbox)
    response = exchange(api, thief, code, verifier)
    assert response.json()["error"] == "invalid_grant"
    assert api.get("/v1/grants", headers=bearer(thief.key)).json()["grants"] == []


def test_a_different_redirect_uri_at_exchange_is_invalid_grant(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    code, verifier = _code(browser, lender)
    response = exchange(api, lender, code, verifier, redirect_uri="http://127.0.0.1:9/callback")
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("secret", ["wrong", "ffk_0000000000000000_nope"])
def test_a_bad_client_secret_is_invalid_client(
    api: TestClient, browser: TestClient, lender: Lender, secret: str
) -> None:
    code, verifier = _code(browser, lender)
    response = api.post("/oauth/token", auth=(lender.client_id, secret), data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "http://127.0.0.1/callback"})  # fmt: skip
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_another_organizations_pull_key_is_no_client_secret(
    api: TestClient, browser: TestClient, lender: Lender, sandbox: SeedResult
) -> None:
    code, verifier = _code(browser, lender)
    response = api.post("/oauth/token", auth=(lender.client_id, sandbox.org_keys["lumen"]["key"]),
                        data={"grant_type": "authorization_code", "code": code,
                              "code_verifier": verifier,
                              "redirect_uri": "http://127.0.0.1/callback"})  # fmt: skip
    assert response.json()["error"] == "invalid_client"


def test_client_secret_post_is_accepted(
    api: TestClient, browser: TestClient, lender: Lender
) -> None:
    code, verifier = _code(browser, lender)
    response = api.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "http://127.0.0.1/callback", "client_id": lender.client_id,
        "client_secret": lender.key})  # fmt: skip
    assert response.status_code == 200, response.text


def test_a_pull_names_its_grant_exactly_once(api: TestClient, lender: Lender) -> None:
    both = api.post("/v1/reports", headers=bearer(lender.key), json={
        "grant_id": "00000000-0000-4000-8000-000000000000", "grant_token": "ffg_x",
        "purpose": "credit-transaction"})  # fmt: skip
    neither = api.post("/v1/reports", headers=bearer(lender.key),
                       json={"purpose": "credit-transaction"})  # fmt: skip
    unknown = api.post(
        "/v1/reports",
        headers=bearer(lender.key),
        json={"grant_token": "ffg_unknown", "purpose": "credit-transaction"},
    )
    assert both.status_code == neither.status_code == 422
    assert unknown.status_code == 403 and unknown.json()["field"] == "grant_token"


@pytest.mark.parametrize(
    "uri", ["http://lender.example/cb", "ftp://127.0.0.1/cb", "https://lender.example/cb#x", "cb"]
)
def test_an_operator_cannot_register_an_unsafe_redirect_uri(
    api: TestClient, lender: Lender, sandbox: SeedResult, uri: str
) -> None:
    response = api.put(f"/v1/operator/organizations/{lender.org_id}/redirect-uris",
                       json={"redirect_uris": [uri]},
                       headers=bearer(sandbox.org_keys["operator"]["key"]))  # fmt: skip
    assert response.status_code == 422
    assert response.json()["field"] == "redirect_uris"


def test_lender_grants_page_by_cursor_and_refuse_a_bad_cursor(
    api: TestClient, browser: TestClient, lender: Lender, sandbox: SeedResult
) -> None:
    granted = []
    for _ in range(3):
        code, verifier = _code(browser, lender)
        granted.append(exchange(api, lender, code, verifier).json()["grant_id"])
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get("/v1/grants", params=query, headers=bearer(lender.key)).json()
        seen += [g["grant_id"] for g in body["grants"]]
        cursor = body["page"]["next_cursor"]
        if cursor is None:
            break
    assert seen == granted[::-1]
    bad = api.get("/v1/grants", params={"cursor": "nope"}, headers=bearer(lender.key))
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"
    other = new_lender(api, sandbox)
    hidden = api.get(f"/v1/grants/{granted[0]}", headers=bearer(other.key))
    assert hidden.status_code == 404 and hidden.json()["field"] == "grant_id"
