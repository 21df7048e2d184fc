"""Response and request bodies of the lender's grant API and the redirect-URI operator API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.inputs import RequestBody
from bureau.pagination import PageInfo


class LenderGrant(BaseModel):
    """A grant as its recipient sees it: terms, status and receipt, never file data."""

    grant_id: UUID
    subject_id: UUID = Field(description="whose file the grant opens (the applicant)")
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None = Field(description="null: recurring within the window")
    uses: int
    revoked_at: datetime | None
    status: str = Field(description="active, used, expired, revoked, or pending (not started)")
    receipt: str | None = Field(description="the subject's signed receipt (compact JWS)")


class GrantPage(BaseModel):
    grants: list[LenderGrant]
    page: PageInfo


class RedirectUrisIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"redirect_uris": ["https://lender.example.com/callback"]}]
        },
    )
    redirect_uris: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(max_length=20)


class RedirectUrisOut(BaseModel):
    org_id: UUID
    redirect_uris: list[str]


class ServerMetadata(BaseModel):
    """RFC 8414 authorization server metadata (and the grant parameters fairfile adds)."""

    model_config = ConfigDict(extra="allow")
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    response_types_supported: list[str]
    grant_types_supported: list[str]
    code_challenge_methods_supported: list[str]
    authorization_response_iss_parameter_supported: bool = Field(
        description="RFC 9207: every authorization response carries `iss`, this issuer"
    )
    token_endpoint_auth_methods_supported: list[str]
    scopes_supported: list[str]
    service_documentation: str
    fairfile_authorization_parameters: dict[str, Any] = Field(
        description="the grant's terms, sent as extra authorization request parameters"
    )
