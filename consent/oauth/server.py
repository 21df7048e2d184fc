"""The authorization server: Authlib's RFC 6749 code grant and RFC 7636 PKCE, on our tables.

Authlib does the protocol (parameter checks, client authentication by `client_secret_basic`
or `client_secret_post`, redirect-or-page error rules, PKCE verification, RFC 6749 §5.2 JSON
errors); this module supplies what it asks a server to supply: clients (user organizations,
whose secret is one of their `pull` API keys), the storage of codes as pending grants, and the
grant made when a code is exchanged. One server per request, holding that request's
transaction, signing key and time.

Stricter than the protocol's minimum, on purpose: PKCE is required and S256 only, `state` is
required, `redirect_uri` is required, and a code lives 60 seconds. A code presented a second
time revokes the grant it produced (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID, uuid4

import psycopg
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge

from bureau import events
from bureau.auth.service import authenticate_org
from bureau.db.batch import run
from bureau.errors import DomainError, Unauthenticated
from bureau.policy.regime import live_rules
from bureau.signing import SigningKey
from consent import service
from consent.errors import InvalidGrant
from consent.grants import GrantTerms, check_terms
from consent.oauth import redirects, repo

CODE_LIFETIME = timedelta(seconds=60)
SCOPES = ("full", "score")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
TOKEN_PREFIX = "ffg_"


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


# Requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """An HTTP request as Authlib needs it, read by the route (query or form, all values)."""

    method: str
    url: str
    headers: Mapping[str, str]
    items: list[tuple[str, str]]


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._data.setdefault(key, value)
            self._datalist[key].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _Request(OAuth2Request):
    def __init__(self, incoming: Incoming) -> None:
        super().__init__(incoming.method, incoming.url, headers=incoming.headers)
        self.payload = _Payload(incoming.items)
        self.terms: GrantTerms | None = None

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


# Clients and codes --------------------------------------------------------------------------


class Client(ClientMixin):
    """A user organization as an OAuth client."""

    def __init__(self, conn: psycopg.Connection[Any], row: repo.ClientRow) -> None:
        self.conn = conn
        self.org_id: UUID = row.org_id
        self.name: str = row.name
        self.redirect_uris: list[str] = list(row.redirect_uris)

    def get_client_id(self) -> str:
        return str(self.org_id)

    def get_default_redirect_uri(self) -> str | None:
        return None  # the request must name it

    def get_allowed_scope(self, scope: str | None) -> str | None:
        if not scope:
            return "full"
        return scope if scope in SCOPES else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirects.matches(self.redirect_uris, redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        try:
            key = run(self.conn, authenticate_org(client_secret))
        except Unauthenticated:
            return False
        return key.org_id == self.org_id and "pull" in key.scopes

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class Code(AuthorizationCodeMixin):
    def __init__(self, row: repo.PendingGrant) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = "S256"

    def get_redirect_uri(self) -> str:
        return str(self.row.redirect_uri)

    def get_scope(self) -> str:
        return str(self.row.scope)


# PKCE and the grant's terms ---------------------------------------------------------------


class S256Only(CodeChallenge):
    """PKCE required on every request, S256 only: `plain` or a missing challenge is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("code_challenge: PKCE is required (method S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method: only S256 is supported")
        super().validate_code_challenge(grant, redirect_uri)


def _int(data: dict[str, str], name: str) -> int | None:
    text = (data.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidRequestError(f"{name}: a whole number of at least 1")
    return int(text)


def terms_from(data: dict[str, str], client_id: UUID, scope: str, now: datetime) -> GrantTerms:
    """The grant the request asks for, or InvalidRequestError naming the parameter and why."""
    if not data.get("state"):
        raise InvalidRequestError("state: required (it protects the lender against CSRF)")
    recurring = (data.get("recurring") or "").strip().lower()
    if recurring not in ("", "true", "false"):
        raise InvalidRequestError("recurring: 'true' or 'false'")
    max_uses = _int(data, "max_uses")
    if recurring == "true" and max_uses is not None:
        raise InvalidRequestError("max_uses: a recurring grant has no max_uses")
    if recurring != "true" and max_uses is None:
        max_uses = 1
    days = _int(data, "duration_days")
    rules = live_rules().access
    if days is not None and days > rules.consent_max_days:
        raise InvalidRequestError(
            f"duration_days: a grant lasts at most {rules.consent_max_days} days"
        )
    expires_at = now + timedelta(days=days) if days is not None else None
    try:
        return check_terms(client_id, data.get("purpose") or "", scope, None, expires_at,
                           max_uses, now, rules)  # fmt: skip
    except InvalidGrant as exc:
        raise InvalidRequestError(f"{exc.field}: {exc.detail}") from None


class _Terms:
    """Extension: the authorization request's grant terms are checked with its parameters."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.check)

    def check(self, grant: Any, redirect_uri: str) -> None:
        request = grant.request
        request.terms = terms_from(request.payload.data, request.client.org_id, request.scope,
                                   self.now)  # fmt: skip


# The grant type -----------------------------------------------------------------------------


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)
    server: BureauServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        """'Allow': a pending grant, invisible to the lender until its code is exchanged."""
        server, terms = self.server, request.terms
        subject_id = request.user
        grant_id = uuid4()
        repo.insert_authorization(server.conn, {
            "grant_id": grant_id, "subject_id": subject_id, "client_id": request.client.org_id,
            "redirect_uri": request.payload.redirect_uri, "purpose": terms.purpose,
            "scope": terms.scope, "valid_from": terms.valid_from, "expires_at": terms.expires_at,
            "max_uses": terms.max_uses, "code_hash": digest(code),
            "code_challenge": request.payload.data["code_challenge"],
            "code_expires_at": server.now + CODE_LIFETIME, "created_at": server.now,
        })  # fmt: skip
        events.publish(server.conn, events.ConsentAllowed(
            subject_id=subject_id, grant_id=grant_id, to=request.client.org_id,
            purpose=terms.purpose, scope=terms.scope, max_uses=terms.max_uses,
            expires_at=terms.expires_at,
        ))  # fmt: skip

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        server = self.server
        row = repo.authorization_by_code(server.conn, digest(code))
        if row is None or row.client_id != client.org_id:
            return None  # another client's code is no code for this one
        if row.status == "exchanged":
            # A replayed code: it may have leaked, so the grant it produced ends now.
            service.revoke_grant(server.conn, server.key, row.subject_id, row.grant_id,
                                 server.now, by="code-replay")  # fmt: skip
            return None
        if row.status == "void":
            return None
        server.presented = row
        if row.code_expires_at <= server.now:
            return None
        return Code(row)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing to delete: the row is settled `exchanged` in `save_token`, and kept, so a
        second use is recognised as a replay."""

    def authenticate_user(self, authorization_code: Code) -> UUID:
        return UUID(str(authorization_code.row.subject_id))


class BureauServer(AuthorizationServer):
    """`issuer`: the setting (FAIRFILE_ISSUER) the metadata names; every redirect to a lender
    carries it as `iss` (RFC 9207), so a client talking to several servers can tell whose
    answer it got (mix-up attacks)."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        key: SigningKey,
        now: datetime,
        issuer: str | None = None,
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.conn = conn
        self.key = key
        self.now = now
        self.issuer = issuer
        self.presented: repo.PendingGrant | None = None
        """The pending grant whose code this exchange presented (voided if the exchange fails)."""
        self.register_grant(CodeGrant, [S256Only(required=True), _Terms(now)])
        self.register_token_generator("default", self._token)

    def query_client(self, client_id: str) -> Client | None:
        try:
            org_id = UUID(client_id)
        except (TypeError, ValueError):
            return None
        row = repo.client(self.conn, org_id)
        if row is None or "user" not in row.roles:
            return None
        return Client(self.conn, row)

    def create_oauth2_request(self, request: Incoming) -> _Request:
        return _Request(request)

    def create_json_request(self, request: Incoming) -> _Request:
        return _Request(request)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass  # no signal bus: the access log and webhooks are written by the consent service

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        out = dict(headers)
        if status == 302 and "Location" in out and self.issuer is not None:
            out["Location"] = add_params_to_uri(out["Location"], [("iss", self.issuer)])
        return status, body, out

    def handle_error_response(self, request: Any, error: OAuth2Error) -> tuple[int, Any, Any]:
        presented = self.presented
        if presented is not None and presented.status == "pending":
            # A failed exchange leaves no grant: the pending one is void (the subject sees so).
            repo.settle_authorization(
                self.conn, presented.subject_id, presented.grant_id, "void", self.now
            )
        result: tuple[int, Any, Any] = super().handle_error_response(request, error)
        return result

    @staticmethod
    def _token(**_: Any) -> dict[str, Any]:
        return {"token_type": "Bearer", "access_token": TOKEN_PREFIX + secrets.token_urlsafe(32)}

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """The exchange: the pending grant becomes the grant, signed as `POST /v1/me/consents`
        signs it, and the access token names it."""
        row = request.authorization_code.row
        try:
            view = service.grant_consent(
                self.conn, self.key, row.subject_id, row.client_id, row.purpose,
                row.scope, None, row.expires_at, row.max_uses, self.now,
                grant_id=row.grant_id,
            ).model_dump(mode="json")  # fmt: skip
        except DomainError as exc:
            raise InvalidGrantError(f"{exc.field or 'grant'}: {exc.detail}") from None
        expires_at = row.expires_at
        repo.insert_token(self.conn, digest(token["access_token"]), row.grant_id,
                          row.client_id, expires_at, self.now)  # fmt: skip
        repo.settle_authorization(self.conn, row.subject_id, row.grant_id, "exchanged", self.now)
        self.presented = None
        token.update({
            "expires_in": max(int((expires_at - self.now).total_seconds()), 0),
            "scope": row.scope,
            "grant_id": view["grant_id"],
            "grant": {k: view[k] for k in ("grant_id", "purpose", "scope", "valid_from",
                                           "expires_at", "max_uses", "uses", "status")},
            "receipt": view["receipt"],
        })  # fmt: skip
