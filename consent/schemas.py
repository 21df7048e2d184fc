"""Request bodies of the consent API (the edge only; the rules live in the service)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requester_org_id: UUID
    purpose: str = Field(
        description="credit-transaction, account-review, collection, "
        "insurance-underwriting, tenant-screening or employment"
    )
    scope: str = Field(default="full", description="full, or score (score and key factors)")
    valid_from: datetime | None = Field(default=None, description="default: now")
    expires_at: datetime | None = Field(default=None, description="default: the longest allowed")
    max_uses: int | None = Field(default=1, description="releases allowed; null with recurring")
    recurring: bool = Field(default=False, description="unlimited releases within the window")


class ThawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    requester_org_id: UUID | None = Field(default=None, description="only this requester")
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="initial, extended or active_duty")
    contact: str | None = Field(
        default=None, max_length=100, description="how users must reach you before extending credit"
    )
    identity_theft_report: str | None = Field(default=None, max_length=200)


class PullIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: UUID | None = Field(default=None, description="the grant; or send grant_token")
    grant_token: str | None = Field(
        default=None,
        max_length=200,
        description="the access token the OAuth token endpoint returned for the grant, instead "
        "of grant_id (your API key stays the Authorization header)",
    )
    purpose: str
    scope: str = "full"
    identity_verified: bool = Field(
        default=False,
        description="you verified the applicant's identity (required under a fraud alert "
        "for new credit, FCRA §605A(h))",
    )

    @model_validator(mode="after")
    def one_grant_named(self) -> PullIn:
        if (self.grant_id is None) == (self.grant_token is None):
            raise PydanticCustomError(
                "one_grant", "name the grant by grant_id or by grant_token, exactly one"
            )
        return self


class CompelledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: UUID
    court_order_ref: str = Field(min_length=1, max_length=200)
    recipient: str = Field(min_length=1, max_length=200)
