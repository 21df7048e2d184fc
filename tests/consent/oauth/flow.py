"""Driving the consent flow through TestClient: a lender of the test's own, the consent page,
and the code it redirects with."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

from fastapi.testclient import TestClient

from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
REDIRECT = "http://127.0.0.1/callback"


@dataclass(frozen=True)
class Lender:
    org_id: UUID
    key: str
    name: str

    @property
    def client_id(self) -> str:
        return str(self.org_id)

    def basic(self) -> tuple[str, str]:
        return (self.client_id, self.key)


def new_lender(client: TestClient, sandbox: SeedResult, uris: list[str] | None = None) -> Lender:
    """A user organization with a pull key and redirect URIs, made through the operator API."""
    operator = bearer(sandbox.org_keys["operator"]["key"])
    name = f"Test Lender {secrets.token_hex(3)}"
    org = client.post("/v1/operator/organizations", json={"name": name, "roles": ["user"]},
                      headers=operator)  # fmt: skip
    assert org.status_code == 201, org.text
    org_id = org.json()["org_id"]
    key = client.post(f"/v1/operator/organizations/{org_id}/keys", json={"scopes": ["pull"]},
                      headers=operator)  # fmt: skip
    assert key.status_code == 201, key.text
    put = client.put(f"/v1/operator/organizations/{org_id}/redirect-uris",
                     json={"redirect_uris": uris or [REDIRECT]}, headers=operator)  # fmt: skip
    assert put.status_code == 200, put.text
    return Lender(UUID(org_id), key.json()["key"], name)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def auth_params(lender: Lender, challenge: str, **extra: Any) -> dict[str, str]:
    params = {
        "response_type": "code", "client_id": lender.client_id, "redirect_uri": REDIRECT,
        "scope": "full", "state": "st-" + secrets.token_hex(4), "code_challenge": challenge,
        "code_challenge_method": "S256", "purpose": "credit-transaction", "max_uses": "1",
    }  # fmt: skip
    params.update({k: str(v) for k, v in extra.items() if v is not None})
    return {k: v for k, v in params.items() if v != ""}


def consent_page(client: TestClient, params: dict[str, str]) -> Any:
    return client.get("/portal/authorize?" + urlencode(params), follow_redirects=False)


def decide(client: TestClient, params: dict[str, str], decision: str) -> Any:
    """Open the consent page (signed in) and press Allow or Decline; the redirect response."""
    page = consent_page(client, params)
    assert page.status_code == 200, page.text
    fields = [(k, html.unescape(v)) for k, v in _HIDDEN.findall(page.text)]
    fields.append(("decision", decision))
    return client.post("/portal/authorize", data=dict(fields), follow_redirects=False)


def redirect_query(response: Any) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1/callback"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(client: TestClient, lender: Lender, code: str, verifier: str, **extra: str) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier, **extra}  # fmt: skip
    return client.post("/oauth/token", data=data, auth=lender.basic())
