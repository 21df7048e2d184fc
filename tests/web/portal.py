"""Helpers for driving the portal through FastAPI's TestClient (HTTPS, so Secure cookies flow)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

# Every page a signed-in person can open from the portal's navigation: tests that must hold on
# each page (fits a phone, shows nobody else's data) loop over this one list.
PAGES = (
    "/portal/file",
    "/portal/score",
    "/portal/access-log",
    "/portal/consents",
    "/portal/freeze",
    "/portal/disputes",
    "/portal/notices",
)

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match[1]


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/portal/signin")
    response = client.post(
        "/portal/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/portal/file"
