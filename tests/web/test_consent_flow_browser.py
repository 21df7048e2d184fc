"""A lender's stock OAuth client, configured only from the RFC 8414 metadata, asks; the subject
decides in the portal (a real Chromium, keyboard only); the lender pulls.

The client is httpx-oauth (independent of Authlib, which the server uses). The redirect back
to the lender's loopback URI is caught by the browser, as a native client's listener would.
The consent page is checked with axe-core when its script is at hand (`.axe/`, see
.ci/checks/axe-core.sh), and always with the portal's own rules.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx_oauth.oauth2 import BaseOAuth2, GetAccessTokenError
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.config import Settings
from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer
from tests.consent.oauth.flow import new_lender, pkce
from tests.web.browser import (
    UNLABELLED,
    free_port,
    fresh_page,
    launched_chromium,
    playwright_or_skip,
    serving,
)
from tests.web.conftest import Person

playwright_sync = playwright_or_skip()
expect = playwright_sync.expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(
    os.environ.get(
        "FAIRFILE_AXE_JS", Path(__file__).parents[2] / ".axe/node_modules/axe-core/axe.min.js"
    )
)

# The portal's own rule set, beyond labelled controls: every button and link has a name, the
# page has a language, one h1, and headings never skip a level.
NAMELESS = """
() => Array.from(document.querySelectorAll('button, a[href]'))
  .filter(el => !(el.innerText || '').trim() && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML)
"""
HEADING_LEVELS = (
    "() => Array.from(document.querySelectorAll('h1,h2,h3,h4')).map(h => +h.tagName[1])"
)


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def app(settings: Settings, pool: ConnectionPool, sandbox: SeedResult, port: int) -> FastAPI:
    """The bureau as this module serves it: its issuer (FAIRFILE_ISSUER) is the served origin,
    so the metadata the stock client reads names the endpoints it can reach."""
    return create_app(replace(settings, issuer=f"http://localhost:{port}"), pool=pool)


@pytest.fixture(scope="module")
def base_url(app: FastAPI, port: int) -> Iterator[str]:
    with serving(app, port) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium(playwright_sync) as browser:
        yield browser


@pytest.fixture
def page(chromium: Any, base_url: str) -> Iterator[Page]:
    # bypass_csp: only so axe-core's script can be injected; the page's own policy is tested
    # by the portal's header tests.
    with fresh_page(chromium, base_url, bypass_csp=True) as page:
        yield page


def check_accessible(page: Page) -> None:
    assert page.evaluate(UNLABELLED) == [], "every form control needs a label"
    assert page.evaluate(NAMELESS) == [], "every button and link needs a name"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator("main").count() == 1 and page.locator("h1").count() == 1
    levels = page.evaluate(HEADING_LEVELS)
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    if AXE.exists():
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"
        )
        assert [v["id"] for v in result["violations"]] == []
    elif os.environ.get("CI"):
        pytest.fail(f"axe-core not found at {AXE}: run .ci/checks/axe-core.sh")


def run(coroutine: Any) -> Any:
    """Run one of httpx-oauth's coroutines (Playwright's sync API holds this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextmanager
def lender_listener() -> Iterator[tuple[str, list[str]]]:
    """The lender's loopback redirect listener (as a native client runs): its redirect URI and
    the request paths it received."""
    caught: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/callback"):
                caught.append(self.path)
            body = b"back at the lender"
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/callback", caught
    finally:
        server.shutdown()
        server.server_close()


def _query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def press_by_keyboard(page: Page, name: str) -> None:
    """Tab to the button named `name` (as a keyboard user would) and press Enter."""
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement && document.activeElement.innerText")
        if focused and focused.strip().startswith(name):
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"no focusable {name!r} button")


def test_a_stock_oauth_client_gets_consent_in_the_portal_and_pulls(
    page: Page, base_url: str, person: Person, sandbox: SeedResult, app: FastAPI
) -> None:
    with TestClient(app, base_url="https://testserver") as operator_client:
        lender = new_lender(operator_client, sandbox, ["http://127.0.0.1/callback"])
    meta = httpx.get(base_url + "/.well-known/oauth-authorization-server").json()
    client: BaseOAuth2[dict[str, Any]] = BaseOAuth2(lender.client_id, lender.key, meta["authorization_endpoint"],
                        meta["token_endpoint"], token_endpoint_auth_method="client_secret_basic")  # fmt: skip
    with lender_listener() as (redirect, caught):
        _consent_flow(page, base_url, client, lender, person, redirect, caught)


def _consent_flow(
    page: Page,
    base_url: str,
    client: BaseOAuth2[dict[str, Any]],
    lender: Any,
    person: Person,
    REDIRECT: str,
    caught: list[str],
) -> None:
    verifier, challenge = pkce()
    url = run(client.get_authorization_url(
        REDIRECT, state="lender-state-1", scope=["full"], code_challenge=challenge,
        code_challenge_method="S256",
        extras_params={"purpose": "credit-transaction", "max_uses": "1"},
    ))  # fmt: skip

    page.goto(url)  # not signed in: sign in first, then back to the request
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your credit file")
    page.get_by_label("Your credential").fill(person.token)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{lender.name} asks to see your credit file"
    )
    expect(page.get_by_text("You can revoke this consent at any moment")).to_be_visible()
    check_accessible(page)
    press_by_keyboard(page, f"Allow {lender.name}")
    expect(page.get_by_text("back at the lender")).to_be_visible()
    query = _query(caught[-1])
    assert query["state"] == "lender-state-1"
    assert query["iss"] == base_url, "RFC 9207: the answer names the metadata's issuer"

    token = run(client.get_access_token(query["code"], REDIRECT, verifier))
    assert token["grant"]["status"] == "active" and token["receipt"]
    report = httpx.post(base_url + "/v1/reports", headers=bearer(lender.key), json={
        "grant_token": token["access_token"], "purpose": "credit-transaction"})  # fmt: skip
    assert report.status_code == 201, report.text
    assert report.json()["report"]["grant_id"] == token["grant_id"]

    with pytest.raises(GetAccessTokenError) as replay:
        run(client.get_access_token(query["code"], REDIRECT, verifier))
    assert replay.value.response is not None
    assert replay.value.response.json()["error"] == "invalid_grant"

    # Asked again, the subject declines: the lender hears access_denied, and nothing is made.
    url = run(client.get_authorization_url(
        REDIRECT, state="lender-state-2", code_challenge=pkce()[1], code_challenge_method="S256",
        extras_params={"purpose": "credit-transaction"},
    ))  # fmt: skip
    page.goto(url)
    press_by_keyboard(page, "Decline")
    expect(page.get_by_text("back at the lender")).to_be_visible()
    declined = _query(caught[-1])
    assert declined["error"] == "access_denied" and "code" not in declined
    assert declined["iss"] == base_url
    grants = httpx.get(base_url + "/v1/grants", headers=bearer(lender.key)).json()["grants"]
    assert [g["grant_id"] for g in grants] == [token["grant_id"]]
    assert grants[0]["status"] == "revoked", "the replayed code revoked its grant"
