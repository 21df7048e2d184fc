"""Request bodies of the consent API (the edge only; the rules live in the service)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from bureau.inputs import Count, Instant, RequestBody
from bureau.jsonvalue import Json
from bureau.score.schemas import ScoreOut
from consent.alerts import AlertKind
from consent.purposes import Purpose, Scope


class GrantIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "requester_org_id": "7d1c6f0e-8a55-4bb1-9f49-3f0c2b8f6a01",
                    "purpose": "credit-transaction",
                    "scope": "full",
                    "max_uses": 1,
                }
            ]
        }
    )
    requester_org_id: UUID
    purpose: Purpose = Field(
        description="the permissible purpose (the regime's purpose table); `court-order` is "
        "never granted"
    )
    scope: Scope = Field(default=Scope.FULL, description="full, or score (score and key factors)")
    valid_from: Instant | None = Field(default=None, description="default: now")
    expires_at: Instant | None = Field(default=None, description="default: the longest allowed")
    max_uses: Count | None = Field(default=1, description="releases allowed; null with recurring")
    recurring: bool = Field(default=False, description="unlimited releases within the window")


class ThawIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "requester_org_id": "7d1c6f0e-8a55-4bb1-9f49-3f0c2b8f6a01",
                    "ends_at": "2026-12-31T00:00:00Z",
                }
            ]
        }
    )
    requester_org_id: UUID | None = Field(default=None, description="only this requester")
    starts_at: Instant | None = None
    ends_at: Instant | None = None


class AlertIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "initial", "contact": "+1 555 0100"}]}
    )
    kind: AlertKind = Field(description="initial, extended or active_duty")
    contact: str | None = Field(
        default=None, max_length=100, description="how users must reach you before extending credit"
    )
    identity_theft_report: str | None = Field(default=None, max_length=200)


class PullIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "grant_id": "0b6b2f7e-2b0e-4a63-8f1e-6f5d7c9a1b22",
                    "purpose": "credit-transaction",
                    "scope": "full",
                    "identity_verified": True,
                }
            ]
        }
    )
    grant_id: UUID | None = Field(default=None, description="the grant; or send grant_token")
    grant_token: str | None = Field(
        default=None,
        max_length=200,
        description="the access token the OAuth token endpoint returned for the grant, instead "
        "of grant_id (your API key stays the Authorization header)",
    )
    purpose: Purpose = Field(description="must be the purpose the grant names")
    scope: Scope = Scope.FULL
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


class CompelledIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject_id": "5f0c9a3e-1d2b-4c8e-9a7f-2e6b1c3d4f50",
                    "court_order_ref": "Case 26-CV-1042, order of 2026-11-02",
                    "recipient": "Clerk of the Court, N.D. Ill.",
                }
            ]
        }
    )
    subject_id: UUID
    court_order_ref: str = Field(min_length=1, max_length=200)
    recipient: str = Field(min_length=1, max_length=200)


class Recipient(BaseModel):
    org_id: UUID | None = Field(description="the requester; null for a court order")
    name: str
    court_order_ref: str | None = Field(default=None, description="compelled releases only")


class SignedReport(BaseModel):
    """The report as signed: exactly the JWS payload (verify the JWS, not this copy)."""

    report_id: UUID
    issued_at: datetime
    issuer: Literal["fairfile"]
    regime: str = Field(description="the id of the regime the release was decided under")
    recipient: Recipient
    purpose: Purpose
    grant_id: UUID | None = Field(description="the grant released under; null when compelled")
    basis: str = Field(description="the access decision's reason for releasing")
    fraud_alert_active: bool
    file: dict[str, Json] = Field(
        description="the file as a user may see it (the subject's disclosure, national id "
        "truncated, hard inquiries only)"
    )
    score: ScoreOut | None = Field(
        default=None, description="the score with every attribute's points (GET /v1/me/score)"
    )


class ReleasedReport(BaseModel):
    """A released report. Documentation of the body only: the route sends the very bytes that
    were signed (`bureau.reports.release.Released.response_json`), never re-serialised."""

    report_id: UUID
    access_log_entry: int = Field(description="the access-log entry that records this release")
    jws: str = Field(description="compact JWS (Ed25519) over `report`; keys at GET /v1/keys")
    report: SignedReport
