"""The typed rows of consent's tables, and the answers the API builds from them.

One set of types: the repository reads rows straight into these models (`class_row`), and the
routes answer with them (or with a model derived from them, adding what the row cannot know
by itself, such as a grant's status at the request's time), so the OpenAPI describes exactly
what the SQL returns.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, Field

from bureau.pagination import PageInfo
from consent.alerts import AlertKind
from consent.purposes import Purpose, Scope


class GrantStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    """Its window has not started yet."""
    EXPIRED = "expired"
    USED = "used"
    """Every use it allowed is spent."""
    REVOKED = "revoked"


def status_of(
    revoked_at: datetime | None,
    valid_from: datetime,
    expires_at: datetime,
    max_uses: int | None,
    uses: int,
    now: datetime,
) -> GrantStatus:
    """A grant's status at `now`: the one rule every view of a grant uses."""
    if revoked_at is not None:
        return GrantStatus.REVOKED
    if now >= expires_at:
        return GrantStatus.EXPIRED
    if max_uses is not None and uses >= max_uses:
        return GrantStatus.USED
    if now < valid_from:
        return GrantStatus.PENDING
    return GrantStatus.ACTIVE


class Requester(BaseModel):
    org_id: UUID
    name: str


class GrantRow(BaseModel):
    """A `consent_grants` row with its requester's name (`consent.repo.GRANT_SELECT`)."""

    grant_id: UUID
    subject_id: UUID
    requester: Requester
    purpose: Purpose
    scope: Scope
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None = Field(description="null: unlimited within the window (recurring)")
    uses: int
    revoked_at: datetime | None
    receipt: str | None = Field(description="the signed grant receipt (compact JWS)")
    created_at: datetime

    def status_at(self, now: datetime) -> GrantStatus:
        return status_of(self.revoked_at, self.valid_from, self.expires_at, self.max_uses,
                         self.uses, now)  # fmt: skip


class Grant(GrantRow):
    """A grant as its subject sees it."""

    status: GrantStatus

    @classmethod
    def at(cls, row: GrantRow, now: datetime) -> Grant:
        return cls(**dict(row), status=row.status_at(now))


class RevokedGrant(Grant):
    revocation_receipt: str = Field(description="the signed revocation receipt (compact JWS)")


class GrantList(BaseModel):
    grants: list[Grant]
    page: PageInfo


class FreezeRow(BaseModel):
    freeze_id: UUID
    placed_at: datetime
    lifted_at: datetime | None


class ThawRow(BaseModel):
    """A `freeze_thaws` row with its requester, if it is for one (`consent.repo.THAWS_SQL`)."""

    thaw_id: UUID
    requester: Requester | None = Field(description="null: for every requester")
    starts_at: datetime
    ends_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None


class Thaw(ThawRow):
    in_effect: bool

    @classmethod
    def at(cls, row: ThawRow, now: datetime) -> Thaw:
        live = row.cancelled_at is None and row.starts_at <= now
        return cls(**dict(row), in_effect=live and (row.ends_at is None or now < row.ends_at))


class FreezeStatus(BaseModel):
    frozen: bool
    placed_at: datetime | None
    thaws: list[Thaw]


class AlertRow(BaseModel):
    """A `fraud_alerts` row; the contact stays encrypted until a view decrypts it."""

    alert_id: UUID
    kind: AlertKind
    contact_ct: bytes | None
    placed_at: datetime
    expires_at: datetime
    removed_at: datetime | None


class FraudAlert(BaseModel):
    alert_id: UUID
    kind: AlertKind
    contact: str | None = Field(description="how users must reach the subject first")
    placed_at: datetime
    expires_at: datetime
    removed_at: datetime | None
    active: bool

    @classmethod
    def of(cls, row: AlertRow, contact: str | None, now: datetime) -> FraudAlert:
        active = row.removed_at is None and row.placed_at <= now < row.expires_at
        return cls(alert_id=row.alert_id, kind=row.kind, contact=contact,
                   placed_at=row.placed_at, expires_at=row.expires_at,
                   removed_at=row.removed_at, active=active)  # fmt: skip


class AlertList(BaseModel):
    alerts: list[FraudAlert]
