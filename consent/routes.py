"""Consent over HTTP: the subject's grants, freeze and alerts; users' pulls; compelled access."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from bureau.api.contract import refuses
from bureau.api.deps import (
    OperatorOnTheLoop,
    SignerDep,
    Subject,
    Tx,
    UserOnTheLoop,
    VaultDep,
)
from bureau.errors import InvalidInput, NotFound
from bureau.pagination import DEFAULT_LIMIT, Cursor, Limit, PageInfo
from bureau.policy.regime import live_rules, period_in_words
from bureau.reports import release
from bureau.subjects.errors import FileClosed, SubjectNotFound
from consent import service
from consent.errors import DENIALS, AlreadyFrozen, GrantNotFound, InvalidGrant, NoGrant, NotFrozen
from consent.oauth import repo
from consent.oauth.server import digest
from consent.schemas import AlertIn, CompelledIn, GrantIn, PullIn, ReleasedReport, ThawIn
from consent.views import AlertList, FraudAlert, FreezeStatus, Grant, GrantList, RevokedGrant

router = APIRouter()


def _now() -> datetime:
    return datetime.now(UTC)


# Grants ------------------------------------------------------------------------------------------


@router.post(
    "/v1/me/consents",
    status_code=status.HTTP_201_CREATED,
    tags=["consent"],
    summary="Grant a requester access for one purpose; returns a signed receipt",
    openapi_extra=refuses(InvalidGrant, FileClosed),
)
def create_grant(body: GrantIn, subject: Subject, conn: Tx, key: SignerDep) -> Grant:
    if body.recurring and body.max_uses not in (None, 1):
        raise InvalidInput("a recurring grant has no max_uses", field="max_uses")
    if not body.recurring and body.max_uses is None:
        raise InvalidInput("give max_uses, or set recurring", field="max_uses")
    return service.grant_consent(
        conn, key, subject.subject_id, body.requester_org_id, body.purpose, body.scope,
        body.valid_from, body.expires_at, None if body.recurring else body.max_uses, _now(),
    )  # fmt: skip


@router.get("/v1/me/consents", tags=["consent"], summary="My grants (active, or all)")
def list_my_grants(
    subject: Subject,
    conn: Tx,
    all: Annotated[bool, Query(description="every grant, not only active and pending")] = False,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> GrantList:
    page = service.grants_page(conn, subject.subject_id, _now(), not all, limit, cursor)
    return GrantList(grants=page.items, page=PageInfo(next_cursor=page.next_cursor))


@router.get(
    "/v1/me/consents/{grant_id}",
    tags=["consent"],
    summary="One of my grants",
    openapi_extra=refuses(GrantNotFound),
)
def get_my_grant(grant_id: UUID, subject: Subject, conn: Tx) -> Grant:
    return service.get_grant(conn, subject.subject_id, grant_id, _now())


@router.delete(
    "/v1/me/consents/{grant_id}",
    tags=["consent"],
    summary="Revoke a grant at once; returns a signed revocation receipt",
    openapi_extra=refuses(GrantNotFound, FileClosed),
)
def revoke_grant(grant_id: UUID, subject: Subject, conn: Tx, key: SignerDep) -> RevokedGrant:
    return service.revoke_grant(conn, key, subject.subject_id, grant_id, _now())


# Freeze ------------------------------------------------------------------------------------------


@router.get("/v1/me/freeze", tags=["freeze"], summary="Is my file frozen, and its thaws")
def freeze_status(subject: Subject, conn: Tx) -> FreezeStatus:
    return service.freeze_status(conn, subject.subject_id, _now())


@router.put(
    "/v1/me/freeze",
    tags=["freeze"],
    summary="Freeze my file now (free)",
    openapi_extra=refuses(AlreadyFrozen, FileClosed),
)
def place_freeze(subject: Subject, conn: Tx) -> FreezeStatus:
    return service.place_freeze(conn, subject.subject_id, _now())


@router.delete(
    "/v1/me/freeze",
    tags=["freeze"],
    summary="Lift the freeze now",
    openapi_extra=refuses(NotFrozen, FileClosed),
)
def lift_freeze(subject: Subject, conn: Tx) -> FreezeStatus:
    return service.lift_freeze(conn, subject.subject_id, _now())


@router.post(
    "/v1/me/freeze/thaws",
    status_code=status.HTTP_201_CREATED,
    tags=["freeze"],
    summary="Lift the freeze for one requester and/or a time window",
    openapi_extra=refuses(NotFrozen, FileClosed),
)
def add_thaw(body: ThawIn, subject: Subject, conn: Tx) -> FreezeStatus:
    return service.add_thaw(
        conn, subject.subject_id, body.requester_org_id, body.starts_at, body.ends_at, _now()
    )


@router.delete(
    "/v1/me/freeze/thaws/{thaw_id}",
    tags=["freeze"],
    summary="Cancel a thaw",
    openapi_extra=refuses(FileClosed),
)
def cancel_thaw(thaw_id: UUID, subject: Subject, conn: Tx) -> FreezeStatus:
    return service.cancel_thaw(conn, subject.subject_id, thaw_id, _now())


# Fraud alerts ------------------------------------------------------------------------------------


@router.get("/v1/me/fraud-alerts", tags=["fraud alerts"], summary="My fraud alerts")
def list_alerts(subject: Subject, conn: Tx, vault: VaultDep) -> AlertList:
    return AlertList(alerts=service.list_alerts(conn, vault, subject.subject_id, _now()))


@router.post(
    "/v1/me/fraud-alerts",
    status_code=status.HTTP_201_CREATED,
    tags=["fraud alerts"],
    summary=(
        f"Place an initial ({period_in_words(live_rules().fraud_alerts.initial_days)}), "
        f"extended ({period_in_words(live_rules().fraud_alerts.extended_days)}) or active-duty "
        f"({period_in_words(live_rules().fraud_alerts.active_duty_days)}) alert"
    ),
    openapi_extra=refuses(FileClosed),
)
def place_alert(body: AlertIn, subject: Subject, conn: Tx, vault: VaultDep) -> FraudAlert:
    return service.place_alert(
        conn, vault, subject.subject_id, body.kind, body.contact, body.identity_theft_report,
        _now(),
    )  # fmt: skip


@router.delete(
    "/v1/me/fraud-alerts/{alert_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["fraud alerts"],
    summary="Remove an alert",
    openapi_extra=refuses(FileClosed),
)
def remove_alert(alert_id: UUID, subject: Subject, conn: Tx) -> None:
    service.remove_alert(conn, subject.subject_id, alert_id, _now())


# Reports -----------------------------------------------------------------------------------------


def _released(r: release.Released) -> Response:
    """{report_id, access_log_entry, jws, report}: the report is sent as the very bytes signed."""
    return Response(r.response_json(), status_code=201, media_type="application/json")


@router.post(
    "/v1/reports",
    status_code=status.HTTP_201_CREATED,
    tags=["reports"],
    summary="Pull a report under the subject's grant (signed; the pull is logged)",
    description="Releases the subject's file to the caller when the subject's grant allows "
    "this purpose and scope now (not frozen, not revoked, within its window and uses). The "
    "body holds the report and its compact JWS over the very same bytes; the inquiry and the "
    "access-log entry are written in the same transaction. Needs an organization's API key "
    "(`Authorization: Bearer ffk_...`) with the `pull` scope.",
    responses={201: {"model": ReleasedReport, "description": "the signed report"}},
    openapi_extra=refuses(*DENIALS.values()),
)
async def pull_report(body: PullIn, user: UserOnTheLoop) -> Response:
    # The busiest route: authentication and the release share one transaction, run on the
    # event loop with psycopg's async API (`UserOnTheLoop`, one dependency): no thread hop and
    # no GIL hand-off per pull, where `UserKey` and `Tx` would take four trips to the pool.
    now, conn = _now(), user.conn
    grant_id = body.grant_id
    if grant_id is None:  # named by the OAuth access token instead (off the grant_id path)
        assert body.grant_token is not None
        grant_id = await repo.grant_for_token_async(
            conn, digest(body.grant_token), user.org.org_id, now
        )
        if grant_id is None:
            raise NoGrant("unknown or expired grant_token", field="grant_token", reason="no-grant")
    return _released(
        await release.pull_report(
            conn, user.vault, user.key, user.org.org_id, user.org.name, grant_id, body.purpose,
            body.scope, body.identity_verified, now,
            copy_for=user.settings.edge.report_copy_window, answered=user.report_answer,
        )
    )  # fmt: skip


@router.post(
    "/v1/operator/compelled-reports",
    status_code=status.HTTP_201_CREATED,
    tags=["operator"],
    summary="Release a report under a court order; logged, and the subject is notified",
    description="Compelled access (FCRA §604(a)(1)): released without the subject's grant, "
    "recorded in the access log and told to the subject. Needs an organization's API key "
    "(`Authorization: Bearer ffk_...`) with the `operator` scope.",
    responses={201: {"model": ReleasedReport, "description": "the signed report"}},
    openapi_extra=refuses(*DENIALS.values(), SubjectNotFound, NotFound),
)
async def release_compelled_report(body: CompelledIn, operator: OperatorOnTheLoop) -> Response:
    # The one release path is async (`bureau.reports.release`): authenticated in its transaction.
    return _released(
        await release.compelled_report(
            operator.conn, operator.vault, operator.key, body.subject_id, body.court_order_ref,
            body.recipient, _now(),
        )
    )  # fmt: skip
