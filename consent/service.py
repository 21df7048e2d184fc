"""The subject's consent controls: grants, freezes and thaws, fraud alerts.

Every change takes effect in the caller's transaction (services never commit) and is recorded
in the access log, so the subject's history of consent is as tamper-evident as the releases it
governs. Receipts are signed here, with the bureau's key, for the subject to keep.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.errors import InvalidInput, NotFound
from bureau.pagination import Page, decode_cursor, page_of
from bureau.policy.regime import live_rules
from bureau.signing import SigningKey
from bureau.subjects import repo as subjects_repo
from bureau.subjects.errors import FileClosed
from bureau.vault import Vault
from consent import receipts, repo
from consent.alerts import AlertKind, alert_expires_at
from consent.decision import Grant as Decided
from consent.errors import AlreadyFrozen, GrantNotFound, InvalidGrant, NotFrozen
from consent.grants import check_terms
from consent.receipts import GrantReceipt
from consent.views import (
    AlertRow,
    FraudAlert,
    FreezeStatus,
    Grant,
    GrantRow,
    Requester,
    RevokedGrant,
    Thaw,
)

MAX_GRANTS_SHOWN = 10_000
"""Unpaged lists of a subject's grants (disclosure, portal) stop here; the API pages."""

# Grants ------------------------------------------------------------------------------------------


def _receipt(event: str, row: GrantRow, at: datetime) -> GrantReceipt:
    return GrantReceipt(
        event=event,
        grant_id=row.grant_id,
        subject_id=row.subject_id,
        requester_org_id=row.requester.org_id,
        requester_name=row.requester.name,
        purpose=row.purpose,
        scope=row.scope,
        valid_from=row.valid_from,
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        issued_at=at,
    )


def _user_org(conn: psycopg.Connection[Any], org_id: UUID) -> str:
    """The name of the organization that pulls reports with this id, or InvalidGrant."""
    org = repo.organization(conn, org_id)
    if org is None or "user" not in org[1]:
        raise InvalidGrant(
            "no organization that pulls reports has this id", field="requester_org_id"
        )
    return org[0]


def grant_consent(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    subject_id: UUID,
    requester_org_id: UUID,
    purpose: str,
    scope: str,
    valid_from: datetime | None,
    expires_at: datetime | None,
    max_uses: int | None,
    now: datetime,
    grant_id: UUID | None = None,
) -> Grant:
    """Store a new grant and return it with its signed receipt (`grant_id`: the id a pending
    grant was given when the subject allowed it in the portal)."""
    if subjects_repo.file_status(conn, subject_id) == "closed":
        # a grant on a closed file could never be used: say so now, not at the pull
        raise FileClosed(
            "your file is closed: reopen it before granting access", field="subject_id"
        )
    org_name = _user_org(conn, requester_org_id)
    terms = check_terms(
        requester_org_id, purpose, scope, valid_from, expires_at, max_uses, now,
        live_rules().access,
    )  # fmt: skip
    grant = Decided(
        grant_id=grant_id or uuid4(),
        subject_id=subject_id,
        requester_org_id=terms.requester_org_id,
        purpose=terms.purpose,
        scope=terms.scope,
        valid_from=terms.valid_from,
        expires_at=terms.expires_at,
        max_uses=terms.max_uses,
        uses=0,
        revoked_at=None,
    )
    unsigned = GrantRow(
        **{k: v for k, v in grant.__dict__.items() if k != "requester_org_id"},
        requester=Requester(org_id=requester_org_id, name=org_name), receipt=None, created_at=now,
    )  # fmt: skip
    token = receipts.issue(key, _receipt("granted", unsigned, now))
    repo.insert_grant(conn, grant, token)
    events.publish(conn, events.GrantCreated(
        subject_id=subject_id, grant_id=grant.grant_id, to=requester_org_id,
        purpose=grant.purpose, scope=grant.scope, valid_from=grant.valid_from,
        expires_at=grant.expires_at, max_uses=grant.max_uses,
    ))  # fmt: skip
    stored = repo.grant_row(conn, subject_id, grant.grant_id)
    assert stored is not None
    return Grant.at(stored, now)


def grants_page(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    now: datetime,
    active_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[Grant]:
    """One page of the subject's grants, newest first (active or pending ones only, or all)."""
    after = None
    if cursor:
        at, grant_id = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(str(at)), UUID(str(grant_id)))
        except ValueError:
            raise InvalidInput("not a cursor this API returned", field="cursor") from None
    rows = repo.grants(conn, subject_id, now if active_only else None, after, limit + 1)
    page = page_of(rows, limit, lambda r: (r.created_at.isoformat(), str(r.grant_id)))
    return Page([Grant.at(r, now) for r in page.items], page.next_cursor)


def list_grants(
    conn: psycopg.Connection[Any], subject_id: UUID, now: datetime, active_only: bool
) -> list[Grant]:
    """Every grant of the subject (the disclosure, the portal and `bureau consent list`)."""
    rows = repo.grants(conn, subject_id, now if active_only else None, None, MAX_GRANTS_SHOWN)
    return [Grant.at(r, now) for r in rows]


def get_grant(
    conn: psycopg.Connection[Any], subject_id: UUID, grant_id: UUID, now: datetime
) -> Grant:
    row = repo.grant_row(conn, subject_id, grant_id)
    if row is None:
        raise GrantNotFound(f"no grant {grant_id} for this subject", field="grant_id")
    return Grant.at(row, now)


def revoke_grant(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    subject_id: UUID,
    grant_id: UUID,
    now: datetime,
    by: str = "subject",
) -> RevokedGrant:
    """Revoke at once; returns the grant with a signed revocation receipt. Idempotent."""
    before = repo.grant_row(conn, subject_id, grant_id)
    if before is None:
        raise GrantNotFound(f"no grant {grant_id} for this subject", field="grant_id")
    repo.revoke_grant(conn, subject_id, grant_id, now)
    row = repo.grant_row(conn, subject_id, grant_id)
    assert row is not None and row.revoked_at is not None
    if before.revoked_at is None:
        events.publish(conn, events.GrantRevoked(subject_id=subject_id, grant_id=grant_id, by=by))
    # Ed25519 is deterministic: asking again yields the very same revocation receipt.
    receipt = receipts.issue(key, _receipt("revoked", row, row.revoked_at))
    return RevokedGrant(**dict(Grant.at(row, now)), revocation_receipt=receipt)


# Freezes -----------------------------------------------------------------------------------------


def freeze_status(conn: psycopg.Connection[Any], subject_id: UUID, now: datetime) -> FreezeStatus:
    row = repo.active_freeze(conn, subject_id)
    if row is None:
        return FreezeStatus(frozen=False, placed_at=None, thaws=[])
    thaws = [Thaw.at(t, now) for t in repo.thaws(conn, subject_id, row.freeze_id)]
    return FreezeStatus(frozen=True, placed_at=row.placed_at, thaws=thaws)


def place_freeze(conn: psycopg.Connection[Any], subject_id: UUID, now: datetime) -> FreezeStatus:
    """Freeze at once (FCRA §605A(i): free; fairfile does not wait the business day allowed)."""
    freeze_id = uuid4()
    if not repo.insert_freeze(conn, subject_id, freeze_id, now):
        raise AlreadyFrozen("the file is already frozen")
    events.publish(conn, events.FreezePlaced(subject_id=subject_id, freeze_id=freeze_id))
    return freeze_status(conn, subject_id, now)


def lift_freeze(conn: psycopg.Connection[Any], subject_id: UUID, now: datetime) -> FreezeStatus:
    freeze_id = repo.lift_freeze(conn, subject_id, now)
    if freeze_id is None:
        raise NotFrozen("the file is not frozen")
    events.publish(conn, events.FreezeLifted(subject_id=subject_id, freeze_id=freeze_id))
    return freeze_status(conn, subject_id, now)


def add_thaw(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    requester_org_id: UUID | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime,
) -> FreezeStatus:
    """A temporary lift for one requester, for a time window, or both."""
    freeze = repo.active_freeze(conn, subject_id)
    if freeze is None:
        raise NotFrozen("the file is not frozen; there is nothing to thaw")
    if requester_org_id is None and ends_at is None:
        raise InvalidInput(
            "a thaw for everyone needs an end; to unfreeze for good, lift the freeze",
            field="ends_at",
        )
    if requester_org_id is not None and repo.organization(conn, requester_org_id) is None:
        raise InvalidInput("no organization has this id", field="requester_org_id")
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("timestamps need a time zone (UTC)", field=name)
    start = now if starts_at is None or starts_at < now else starts_at
    if ends_at is not None and ends_at <= start:
        raise InvalidInput("ends_at must be after the thaw starts", field="ends_at")
    thaw_id = uuid4()
    repo.insert_thaw(conn, subject_id, thaw_id, freeze.freeze_id, requester_org_id, start,
                     ends_at)  # fmt: skip
    events.publish(conn, events.FreezeThawed(
        subject_id=subject_id, thaw_id=thaw_id, for_org=requester_org_id, starts_at=start,
        ends_at=ends_at,
    ))  # fmt: skip
    return freeze_status(conn, subject_id, now)


def cancel_thaw(
    conn: psycopg.Connection[Any], subject_id: UUID, thaw_id: UUID, now: datetime
) -> FreezeStatus:
    if not repo.cancel_thaw(conn, subject_id, thaw_id, now):
        raise NotFound(f"no thaw {thaw_id} for this subject", field="thaw_id")
    events.publish(conn, events.ThawCancelled(subject_id=subject_id, thaw_id=thaw_id))
    return freeze_status(conn, subject_id, now)


# Fraud alerts ------------------------------------------------------------------------------------


def list_alerts(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, now: datetime
) -> list[FraudAlert]:
    rows = repo.alerts(conn, subject_id)
    if not rows:
        return []
    cipher = vault.cipher_for(conn, subject_id)
    return [
        FraudAlert.of(r, cipher.decrypt("contact", r.contact_ct) if r.contact_ct else None, now)
        for r in rows
    ]


def place_alert(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject_id: UUID,
    kind: str,
    contact: str | None,
    identity_theft_report: str | None,
    now: datetime,
) -> FraudAlert:
    """Place an alert; an extended alert needs an identity-theft report (FCRA §605A(b))."""
    expires_at = alert_expires_at(kind, now, live_rules().fraud_alerts)
    if kind == AlertKind.EXTENDED and not (identity_theft_report or "").strip():
        raise InvalidInput(
            "an extended alert needs the identity-theft report's reference",
            field="identity_theft_report",
        )
    contact = (contact or "").strip() or None
    cipher = vault.cipher_for(conn, subject_id)
    alert_id = uuid4()
    repo.insert_alert(
        conn, subject_id, alert_id, kind,
        cipher.encrypt("contact", contact) if contact else None,
        cipher.key_version if contact else None, now, expires_at,
    )  # fmt: skip
    events.publish(
        conn,
        events.FraudAlertPlaced(
            subject_id=subject_id, alert_id=alert_id, kind=kind, expires_at=expires_at
        ),
    )
    row = AlertRow(alert_id=alert_id, kind=AlertKind(kind), contact_ct=None, placed_at=now,
                   expires_at=expires_at, removed_at=None)  # fmt: skip
    return FraudAlert.of(row, contact, now)


def remove_alert(
    conn: psycopg.Connection[Any], subject_id: UUID, alert_id: UUID, now: datetime
) -> None:
    if not repo.remove_alert(conn, subject_id, alert_id, now):
        raise NotFound(f"no fraud alert {alert_id} for this subject", field="alert_id")
    events.publish(conn, events.FraudAlertRemoved(subject_id=subject_id, alert_id=alert_id))
