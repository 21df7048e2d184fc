"""The access decision: may this requester read this subject's file now, for this purpose — and why.

One pure function (`decide`) used by every path that releases data (report pulls, score pulls,
compelled access, the subject's own disclosure), so the rules cannot drift between paths. It
takes plain facts (the grant as stored, the freeze and its thaws, the fraud alerts, the clock)
and returns a `Decision` whose `reason` is a stable slug: the API turns a denial into a
problem+json whose type is that slug, and the audit log records it.

The checks run in a fixed order, most fundamental first, so the reason a requester sees is the
one they must fix first: an erased or closed file before anything else, no grant at all
before a wrong purpose, a revoked grant before an expired one, the grant's own limits before
the subject's freeze, the freeze before the fraud alert's identity duty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from consent.purposes import Purpose, Scope, parse_purpose, purposes, scope_covers


class RequesterKind(StrEnum):
    USER = "user"
    """An organization with a `pull` key, acting under a grant."""
    SUBJECT = "subject"
    """The subject reading their own file (free disclosure, §609)."""
    COURT = "court"
    """Compelled access recorded by the operator (§604(a)(1)); no grant, always logged."""


@dataclass(frozen=True)
class Requester:
    kind: RequesterKind
    org_id: UUID | None = None
    court_order_ref: str | None = None
    holds_account: bool = False
    """The requester already furnishes an account of this subject (an existing creditor)."""


@dataclass(frozen=True)
class Grant:
    grant_id: UUID
    subject_id: UUID
    requester_org_id: UUID
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None
    uses: int
    revoked_at: datetime | None


@dataclass(frozen=True)
class Thaw:
    requester_org_id: UUID | None
    """None: lifted for everyone during the window."""
    starts_at: datetime
    ends_at: datetime | None
    cancelled_at: datetime | None = None

    def covers(self, org_id: UUID | None, at: datetime) -> bool:
        if self.cancelled_at is not None and self.cancelled_at <= at:
            return False
        if at < self.starts_at or (self.ends_at is not None and at >= self.ends_at):
            return False
        return self.requester_org_id is None or self.requester_org_id == org_id


@dataclass(frozen=True)
class Freeze:
    placed_at: datetime
    lifted_at: datetime | None = None
    thaws: Sequence[Thaw] = ()

    def in_force(self, at: datetime) -> bool:
        return self.placed_at <= at and (self.lifted_at is None or at < self.lifted_at)


@dataclass(frozen=True)
class Alert:
    alert_id: UUID
    kind: str
    placed_at: datetime
    expires_at: datetime
    removed_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        if self.removed_at is not None and self.removed_at <= at:
            return False
        return self.placed_at <= at < self.expires_at


@dataclass(frozen=True)
class AccessRequest:
    requester: Requester
    subject_id: UUID
    purpose: str
    scope: str
    at: datetime
    grant: Grant | None = None
    freeze: Freeze | None = None
    alerts: Sequence[Alert] = ()
    identity_verified: bool = False
    """The user confirms it verified the applicant's identity (needed under a fraud alert)."""
    file_status: str = "active"
    """'active', 'closed' (the subject closed the file) or 'shredded' (erased)."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    detail: str
    inquiry_kind: str | None = None
    """'hard' or 'soft' when allowed: the inquiry the release writes."""
    consumes_use: bool = False
    """The release counts against the grant's uses."""
    active_alerts: tuple[Alert, ...] = field(default_factory=tuple)
    """Alerts every released report must carry, with the subject's chosen contact."""


def _deny(reason: str, detail: str) -> Decision:
    return Decision(False, reason, detail)


def decide(request: AccessRequest) -> Decision:
    """Allow or deny one release; never raises for a refusal, the reason says why."""
    at = request.at
    alerts = tuple(a for a in request.alerts if a.active(at))
    # The file's own state comes first: no grant, order or purpose reaches an erased file, and
    # a closed one is released to no one but the subject (who may read it until it is shredded).
    if request.file_status == "shredded":
        return _deny("file-shredded", "the subject's file was erased at their request")
    if request.file_status != "active" and request.requester.kind != RequesterKind.SUBJECT:
        return _deny("file-closed", "the subject closed their file; nothing is released from it")
    if request.requester.kind == RequesterKind.SUBJECT:
        # The subject's own disclosure (§609) needs no purpose and passes a freeze.
        return Decision(True, "own-access", "the subject's own disclosure", "soft", False, alerts)
    purpose = parse_purpose(request.purpose)
    if purpose is None:
        return _deny("purpose-unknown", f"{request.purpose!r} is not a permissible purpose")
    try:
        scope = Scope(request.scope)
    except ValueError:
        return _deny("scope-unknown", f"{request.scope!r} is not a scope (full, score)")
    rules = purposes()[purpose]
    requester = request.requester

    if requester.kind == RequesterKind.COURT:
        if purpose != Purpose.COURT_ORDER or not (requester.court_order_ref or "").strip():
            return _deny("court-order-missing", "compelled access needs the order's reference")
        return Decision(True, "court-order", requester.court_order_ref or "", "soft", False, alerts)
    if not rules.grantable:
        return _deny("purpose-not-grantable", f"{purpose} access is not given under a grant")

    grant = request.grant
    if (
        grant is None
        or grant.subject_id != request.subject_id
        or grant.requester_org_id != requester.org_id
    ):
        # A grant to someone else is no grant for this requester; its existence is not revealed.
        return _deny("no-grant", "the subject has not granted this requester access")
    if grant.purpose != purpose:
        if rules.own_grant:
            return _deny(
                f"{purpose.value}-needs-own-grant",
                f"{purpose.value} needs a grant for {purpose.value} ({rules.citation})",
            )
        return _deny(
            "purpose-mismatch", f"the grant is for {grant.purpose}, not for {purpose.value}"
        )
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return _deny("grant-revoked", f"the subject revoked this grant at {grant.revoked_at}")
    if at < grant.valid_from:
        return _deny("grant-not-yet-valid", f"the grant is valid from {grant.valid_from}")
    if at >= grant.expires_at:
        return _deny("grant-expired", f"the grant expired at {grant.expires_at}")
    if not scope_covers(Scope(grant.scope), scope):
        return _deny("scope-insufficient", "the grant covers the score and key factors only")
    if grant.max_uses is not None and grant.uses >= grant.max_uses:
        return _deny("uses-exhausted", f"the grant's {grant.max_uses} use(s) are spent")

    reason = "granted"
    freeze = request.freeze
    if freeze is not None and freeze.in_force(at):
        if any(thaw.covers(requester.org_id, at) for thaw in freeze.thaws):
            reason = "thawed"
        elif rules.freeze_exempt and requester.holds_account:
            reason = "freeze-exempt"
        else:
            return _deny("file-frozen", "the subject has frozen their file (FCRA §605A(i))")
    if alerts and rules.extends_new_credit and not request.identity_verified:
        return _deny(
            "identity-not-verified",
            "a fraud alert is active: confirm the applicant's identity was verified "
            "(FCRA §605A(h))",
        )
    return Decision(True, reason, f"grant {grant.grant_id}", rules.inquiry, True, alerts)
