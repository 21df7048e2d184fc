"""Signing in: the session cookie is safe to hold, forms need this session's CSRF token."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from bureau.sandbox.seed import SeedResult
from bureau.web.session import SESSION_COOKIE
from tests.web.portal import csrf_of, sign_in


def test_pages_need_a_session_and_send_visitors_to_sign_in(browser_client: TestClient) -> None:
    response = browser_client.get("/portal/file", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/signin")


def test_session_cookie_is_httponly_secure_strict_and_never_holds_the_token(
    browser_client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["thin-file"]["token"]
    form = browser_client.get("/portal/signin")
    response = browser_client.post(
        "/portal/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    session = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    lowered = session.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=strict" in lowered
    assert token not in session and token.split("_")[2] not in session


def test_wrong_credential_is_refused_with_a_readable_page(browser_client: TestClient) -> None:
    form = browser_client.get("/portal/signin")
    response = browser_client.post(
        "/portal/signin",
        data={"token": "ffs_0000000000000000_" + "A" * 43, "csrf": csrf_of(form.text)},
    )
    assert response.status_code == 401
    assert "not recognised" in response.text
    assert SESSION_COOKIE not in browser_client.cookies


def test_sign_in_without_the_forms_csrf_token_is_refused(
    browser_client: TestClient, sandbox: SeedResult
) -> None:
    browser_client.get("/portal/signin")
    response = browser_client.post(
        "/portal/signin", data={"token": sandbox.personas["thin-file"]["token"], "csrf": "forged"}
    )
    assert response.status_code == 403
    assert "expired" in response.text.lower()
    assert "Traceback" not in response.text


def test_form_posts_without_this_sessions_csrf_token_are_refused(
    browser_client: TestClient, sandbox: SeedResult
) -> None:
    sign_in(browser_client, sandbox.personas["thin-file"]["token"])
    response = browser_client.post("/portal/signout", data={"csrf": "not-the-token"})
    assert response.status_code == 403
    assert browser_client.get("/portal/file", follow_redirects=False).status_code == 200


def test_sign_out_ends_the_session(browser_client: TestClient, sandbox: SeedResult) -> None:
    sign_in(browser_client, sandbox.personas["thin-file"]["token"])
    page = browser_client.get("/portal/file")
    response = browser_client.post(
        "/portal/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert browser_client.get("/portal/file", follow_redirects=False).status_code == 303


def test_a_forged_session_cookie_sends_the_visitor_to_sign_in(browser_client: TestClient) -> None:
    browser_client.cookies.set(
        SESSION_COOKIE, secrets.token_urlsafe(32), domain="testserver.local", path="/portal"
    )
    response = browser_client.get("/portal/file", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/signin?expired=1"
