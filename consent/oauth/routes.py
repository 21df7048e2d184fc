"""OAuth over HTTP: metadata, the token endpoint, the lender's grants, redirect URIs.

The token endpoint answers in RFC 6749 §5.1/§5.2 JSON (it and the portal's authorization
endpoint are the only routes not answering errors in problem+json); every other route here
declares its response model and raises domain errors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bureau.api.deps import OperatorKey, SettingsDep, SignerDep, Tx, UserKey
from bureau.pagination import DEFAULT_LIMIT, Cursor, Limit, PageInfo
from consent.oauth import lender
from consent.oauth.schemas import (
    GrantPage,
    LenderGrant,
    RedirectUrisIn,
    RedirectUrisOut,
    ServerMetadata,
)
from consent.oauth.server import AUTH_METHODS, SCOPES, BureauServer, Incoming
from consent.purposes import grantable

router = APIRouter()

AUTHORIZE_PATH = "/portal/authorize"
TOKEN_PATH = "/oauth/token"


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "/.well-known/oauth-authorization-server",
    response_model=ServerMetadata,
    response_model_exclude_none=True,
    tags=["oauth"],
    summary="RFC 8414 authorization server metadata",
)
def oauth_metadata(settings: SettingsDep) -> ServerMetadata:
    """From the FAIRFILE_ISSUER setting, not the request: a client choosing the Host header
    must not choose the endpoints another client is told to use."""
    base = settings.issuer
    return ServerMetadata(
        issuer=base,
        authorization_endpoint=base + AUTHORIZE_PATH,
        token_endpoint=base + TOKEN_PATH,
        jwks_uri=base + "/v1/keys",
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        code_challenge_methods_supported=["S256"],
        authorization_response_iss_parameter_supported=True,
        token_endpoint_auth_methods_supported=list(AUTH_METHODS),
        scopes_supported=list(SCOPES),
        service_documentation="https://fairfile.dev/docs/consent#lenders",
        fairfile_authorization_parameters={
            "purpose": list(grantable()),
            "max_uses": "integer >= 1 (default 1)",
            "recurring": "true: unlimited uses within the window",
            "duration_days": "integer >= 1, at most the regime's consent_max_days",
            "state": "required",
        },
    )


TOKEN_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type", "code", "redirect_uri", "code_verifier"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["authorization_code"]},
        "code": {"type": "string", "maxLength": 200},
        "redirect_uri": {"type": "string", "maxLength": 2000},
        "code_verifier": {"type": "string", "minLength": 43, "maxLength": 128},
        "client_id": {"type": "string", "maxLength": 100},
        "client_secret": {"type": "string", "maxLength": 200},
    },
}
"""RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5); the client authenticates by Basic or the form."""
OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "enum": ["invalid_request", "invalid_client", "invalid_grant",
                                             "unauthorized_client", "unsupported_grant_type",
                                             "invalid_scope"]},
        "error_description": {"type": "string"},
    },
}  # fmt: skip
TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "grant_id", "grant", "receipt"],
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_in": {"type": "integer", "minimum": 0},
        "scope": {"type": "string"},
        "grant_id": {"type": "string", "format": "uuid"},
        "grant": {"type": "object", "required": ["grant_id", "purpose", "scope", "status"],
                  "properties": {"grant_id": {"type": "string", "format": "uuid"},
                                 "purpose": {"type": "string"}, "scope": {"type": "string"},
                                 "valid_from": {"type": "string", "format": "date-time"},
                                 "expires_at": {"type": "string", "format": "date-time"},
                                 "max_uses": {"type": ["integer", "null"]},
                                 "uses": {"type": "integer"}, "status": {"type": "string"}}},
        "receipt": {"type": "string", "description": "the signed grant receipt (compact JWS)"},
    },
}  # fmt: skip


@router.post(
    TOKEN_PATH,
    tags=["oauth"],
    summary="Exchange a code for the grant and its access token (RFC 6749 §4.1.3)",
    description="The lender authenticates as the OAuth client (its org id and pull key, by HTTP "
    "Basic or in the form) and sends the code with its PKCE verifier; errors are RFC 6749 "
    "§5.2 JSON, not problem+json.",
    responses={200: {"description": "RFC 6749 §5.1 token, with grant_id, grant and receipt",
                      "content": {"application/json": {"schema": TOKEN_SCHEMA}}},
               400: {"description": "RFC 6749 §5.2 error",
                     "content": {"application/json": {"schema": OAUTH_ERROR_SCHEMA}}},
               401: {"description": "RFC 6749 §5.2 invalid_client",
                     "content": {"application/json": {"schema": OAUTH_ERROR_SCHEMA}}}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": TOKEN_REQUEST_SCHEMA}}}},
)  # fmt: skip
async def oauth_token(request: Request, conn: Tx, key: SignerDep) -> JSONResponse:
    form = await request.form()
    incoming = Incoming(
        request.method, str(request.url), request.headers,
        [(k, v) for k, v in form.multi_items() if isinstance(v, str)],
    )  # fmt: skip

    def exchange() -> tuple[int, Any, Any]:
        server = BureauServer(conn, key, _now())
        result: tuple[int, Any, Any] = server.create_token_response(incoming)
        return result

    status, body, headers = await run_in_threadpool(exchange)
    headers = {**headers, "Cache-Control": "no-store", "Pragma": "no-cache"}
    return JSONResponse(body, status_code=status, headers=headers)


@router.get(
    "/v1/grants",
    response_model=GrantPage,
    tags=["grants"],
    summary="The grants subjects made to this organization, newest first (never file data)",
)
def list_lender_grants(
    user: UserKey, conn: Tx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> GrantPage:
    page = lender.grants_page(conn, user.org_id, cursor, limit, _now())
    return GrantPage(
        grants=[LenderGrant(**g) for g in page.items], page=PageInfo(next_cursor=page.next_cursor)
    )


@router.get(
    "/v1/grants/{grant_id}",
    response_model=LenderGrant,
    tags=["grants"],
    summary="One grant made to this organization",
)
def get_lender_grant(grant_id: UUID, user: UserKey, conn: Tx) -> LenderGrant:
    return LenderGrant(**lender.one_grant(conn, user.org_id, grant_id, _now()))


@router.get(
    "/v1/operator/organizations/{org_id}/redirect-uris",
    response_model=RedirectUrisOut,
    tags=["operator"],
    summary="Where the bureau may send this organization's subjects back after consent",
)
def redirect_uris(org_id: UUID, operator: OperatorKey, conn: Tx) -> RedirectUrisOut:
    return RedirectUrisOut(org_id=org_id, redirect_uris=lender.redirect_uris(conn, org_id))


@router.put(
    "/v1/operator/organizations/{org_id}/redirect-uris",
    response_model=RedirectUrisOut,
    tags=["operator"],
    summary="Replace the organization's redirect URIs (exact; loopback ones on any port)",
)
def put_redirect_uris(
    org_id: UUID, body: RedirectUrisIn, operator: OperatorKey, conn: Tx
) -> RedirectUrisOut:
    uris = lender.set_redirect_uris(conn, org_id, body.redirect_uris, by=operator.key_id)
    return RedirectUrisOut(org_id=org_id, redirect_uris=uris)
