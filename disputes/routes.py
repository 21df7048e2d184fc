"""Dispute routes: thin handlers that parse, call the service, and shape the response.

Who may call what is in each signature: `Subject` for the person's own disputes, `FurnisherKey`
for a furnisher's inbox, `OperatorKey` for items the bureau itself holds, `AnyOrgKey` for the
notices addressed to an organization. `Now` is the clock, so tests can move it day by day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse

from bureau.api.contract import refuses
from bureau.api.deps import AnyOrgKey, FurnisherKey, OperatorKey, Subject, Tx, VaultDep
from bureau.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_key, key_of, page_of
from bureau.policy.regime import live_rules
from bureau.subjects.errors import FileClosed
from disputes import notices, recipients, reinvestigation, repo, service, statements
from disputes.errors import (
    CertificationRequired,
    DisputeAlreadyOpen,
    DisputeNotFound,
    NotYourItem,
    ReinvestigationPeriodOver,
    StatementTooLong,
    TransitionRefused,
)
from disputes.items import API_KIND, CORRECTABLE, REASONS
from disputes.schemas import (
    AnswerIn,
    FilingIn,
    FrivolousIn,
    InformationIn,
    ReinsertionIn,
    StatementIn,
    documents,
)
from disputes.views import (
    Acdv,
    DeadlineRun,
    Dispute,
    DisputeNotice,
    DisputeNoticePage,
    DisputeReasons,
    Inbox,
    MyDisputes,
    NotifiedRecipients,
)


def clock() -> datetime:
    """The request's time; overridden in tests to walk the legal clock."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(clock)]
Format = Annotated[Literal["json", "html"], Query(description="json (default) or an HTML letter")]

router = APIRouter()

DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the document's bytes, in the content type it was sent with",
          "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                      for kind in sorted(service.DOCUMENT_TYPES)}},
}  # fmt: skip
NOTICE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": DisputeNotice, "description": "the notice; with format=html, the letter",
          "content": {"text/html": {"schema": {"type": "string"}}}},
}  # fmt: skip
me = APIRouter(prefix="/v1/me/disputes", tags=["disputes (subject)"])
furnisher = APIRouter(prefix="/v1/furnisher/disputes", tags=["disputes (furnisher)"])
operator = APIRouter(prefix="/v1/operator/disputes", tags=["disputes (operator)"])
org = APIRouter(prefix="/v1/org/dispute-notices", tags=["disputes (notices to organizations)"])


def _notice(row: DisputeNotice | None, fmt: str) -> Any:
    if row is None:
        raise DisputeNotFound("no such notice", field="notice_id")
    if fmt == "html":
        return HTMLResponse(notices.render_html(row.body))
    return row


# The subject ------------------------------------------------------------------------------------


@me.get(
    "/reasons",
    response_model=DisputeReasons,
    summary="Reason codes, item kinds and disputable fields",
)
def dispute_reasons() -> dict[str, Any]:
    return {
        "reasons": [
            {"code": r.code, "text": r.text, "items": sorted(API_KIND[k] for k in r.kinds)}
            for r in REASONS.values()
        ],
        "fields": {API_KIND[k]: sorted(v) for k, v in CORRECTABLE.items()},
    }


@me.post(
    "",
    response_model=Dispute,
    status_code=201,
    summary="Dispute an item of my file; the legal clock starts",
    openapi_extra=refuses(DisputeAlreadyOpen, NotYourItem, DisputeNotFound, FileClosed),
)
def file_dispute(body: FilingIn, subject: Subject, conn: Tx, vault: VaultDep, now: Now) -> Any:
    filing = service.Filing(
        item_kind=body.item.kind, item_id=body.item.id, reason_code=body.reason,
        field=body.item.field, description=body.description, direct=body.direct,
        documents=documents(body.documents),
    )  # fmt: skip
    row = service.file_dispute(conn, vault, subject.subject_id, filing, now)
    return service.dispute_view(conn, vault, row, for_subject=True)


@me.get(
    "",
    response_model=MyDisputes,
    summary="My disputes, with their clocks, history and notices, and my statements",
)
def my_disputes(
    subject: Subject, conn: Tx, vault: VaultDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    after = decode_key(cursor, (datetime, UUID))
    rows = repo.disputes_of_subject(conn, subject.subject_id, after, limit + 1)
    page = page_of(rows, limit, lambda r: key_of(r.received_at, r.dispute_id))
    return {
        "disputes": [service.dispute_view(conn, vault, r, for_subject=True) for r in page.items],
        "statements": statements.statements_of(conn, vault, subject.subject_id),
        "page": {"next_cursor": page.next_cursor},
    }


@me.get(
    "/notices",
    response_model=DisputeNoticePage,
    summary="Notices about my disputes (results, frivolous, reinsertion), newest first",
)
def my_dispute_notices(
    subject: Subject, conn: Tx, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    after = decode_key(cursor, (datetime, UUID))
    return _notice_page(repo.notices_to_subject(conn, subject.subject_id, after, limit + 1), limit)


def _notice_page(rows: list[DisputeNotice], limit: int) -> dict[str, Any]:
    page = page_of(rows, limit, lambda n: key_of(n.created_at, n.notice_id))
    return {"notices": page.items, "page": {"next_cursor": page.next_cursor}}


@me.get(
    "/notices/{notice_id}",
    response_model=None,
    responses=NOTICE_RESPONSES,
    summary="One notice, as JSON or as a letter (format=html)",
    openapi_extra=refuses(DisputeNotFound),
)
def my_dispute_notice(notice_id: UUID, subject: Subject, conn: Tx, format: Format = "json") -> Any:
    return _notice(repo.notice_to_subject(conn, subject.subject_id, notice_id), format)


@me.get("/{dispute_id}", response_model=Dispute, openapi_extra=refuses(DisputeNotFound))
def my_dispute(dispute_id: UUID, subject: Subject, conn: Tx, vault: VaultDep) -> Any:
    row = repo.dispute(conn, subject.subject_id, dispute_id)
    if row is None:
        raise DisputeNotFound(f"no dispute {dispute_id} in your file", field="dispute_id")
    return service.dispute_view(conn, vault, row, for_subject=True)


@me.post(
    "/{dispute_id}/information",
    response_model=Dispute,
    summary=(
        f"Send more information ({live_rules().dispute.resolve_days} days become "
        f"{live_rules().dispute.resolve_days_extended})"
    ),
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, FileClosed),
)
def add_information(
    dispute_id: UUID, body: InformationIn, subject: Subject, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = service.add_information(
        conn, vault, subject.subject_id, dispute_id, body.text, documents(body.documents), now
    )
    return service.dispute_view(conn, vault, row, for_subject=True)


@me.post(
    "/{dispute_id}/statement",
    response_model=Dispute,
    summary="Add my statement to the disputed item",
    openapi_extra=refuses(DisputeNotFound, StatementTooLong, TransitionRefused, FileClosed),
)
def add_statement(
    dispute_id: UUID, body: StatementIn, subject: Subject, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = statements.add_statement(conn, vault, subject.subject_id, dispute_id, body.text, now)
    return service.dispute_view(conn, vault, row, for_subject=True)


@me.post(
    "/{dispute_id}/notify-recipients",
    response_model=NotifiedRecipients,
    summary="Tell past recipients of the change",
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, FileClosed),
)
def notify_recipients(
    dispute_id: UUID, subject: Subject, conn: Tx, vault: VaultDep, now: Now
) -> dict[str, Any]:
    told = recipients.notify_past_recipients(conn, vault, subject.subject_id, dispute_id, now)
    return {"notified": told}


@me.get(
    "/{dispute_id}/documents/{document_id}",
    response_class=Response,
    responses=DOCUMENT_RESPONSES,
    openapi_extra=refuses(DisputeNotFound),
)
def my_dispute_document(
    dispute_id: UUID, document_id: UUID, subject: Subject, conn: Tx, vault: VaultDep
) -> Response:
    name, content_type, content = service.document_content(
        conn, vault, subject.subject_id, dispute_id, document_id
    )
    return _download(name, content_type, content)


def _download(name: str, content_type: str, content: bytes) -> Response:
    safe = "".join(c for c in name if c.isalnum() or c in "._- ") or "document"
    return Response(
        content, media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )  # fmt: skip


# The furnisher (ACDV-style inbox) ----------------------------------------------------------------


@furnisher.get(
    "", response_model=Inbox, summary="Disputes about data I furnished (open by default)"
)
def furnisher_inbox(
    key: FurnisherKey, conn: Tx, vault: VaultDep,
    state: Literal["open", "all"] = "open", limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
) -> dict[str, Any]:  # fmt: skip
    page = reinvestigation.inbox(conn, vault, key.org_id, open_only=state == "open",
                                 limit=limit, cursor=cursor)  # fmt: skip
    return {"disputes": page.items, "page": {"next_cursor": page.next_cursor}}


@furnisher.get("/{dispute_id}", response_model=Acdv, openapi_extra=refuses(DisputeNotFound))
def furnisher_case(dispute_id: UUID, key: FurnisherKey, conn: Tx, vault: VaultDep) -> Any:
    return reinvestigation.case(conn, vault, key.org_id, dispute_id)


@furnisher.get(
    "/{dispute_id}/documents/{document_id}",
    response_class=Response,
    responses=DOCUMENT_RESPONSES,
    openapi_extra=refuses(DisputeNotFound),
)
def furnisher_dispute_document(
    dispute_id: UUID, document_id: UUID, key: FurnisherKey, conn: Tx, vault: VaultDep
) -> Response:
    return _download(*reinvestigation.document(conn, vault, key.org_id, dispute_id, document_id))


@furnisher.post(
    "/{dispute_id}/response",
    response_model=Acdv,
    summary="Answer: verified, modified, deleted, not_theirs",
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, ReinvestigationPeriodOver),
)
def furnisher_answer(
    dispute_id: UUID, body: AnswerIn, key: FurnisherKey, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = reinvestigation.answer(
        conn, vault, key.org_id, dispute_id, body.code, body.corrected_fields, now
    )
    return reinvestigation.acdv(conn, vault, row)


@furnisher.post(
    "/{dispute_id}/frivolous",
    response_model=Acdv,
    summary="Decline a direct dispute as frivolous",
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, ReinvestigationPeriodOver),
)
def furnisher_frivolous(
    dispute_id: UUID, body: FrivolousIn, key: FurnisherKey, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = reinvestigation.find_frivolous(
        conn, vault, key.org_id, dispute_id, body.reason, body.needed, now
    )
    return reinvestigation.acdv(conn, vault, row)


@furnisher.post(
    "/{dispute_id}/reinsertion",
    response_model=Acdv,
    summary="Reinsert a deleted item, with certification",
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, CertificationRequired),
)
def furnisher_reinsert(
    dispute_id: UUID, body: ReinsertionIn, key: FurnisherKey, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = reinvestigation.reinsert(
        conn, vault, key.org_id, dispute_id, body.certified, body.certification, now
    )
    return reinvestigation.acdv(conn, vault, row)


# The operator: items the bureau itself holds (no furnisher) ------------------------------------


@operator.get("", response_model=Inbox, summary="Disputes about items no organization furnished")
def operator_inbox(
    key: OperatorKey, conn: Tx, vault: VaultDep,
    state: Literal["open", "all"] = "open", limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
) -> dict[str, Any]:  # fmt: skip
    page = reinvestigation.inbox(conn, vault, None, open_only=state == "open", limit=limit,
                                 cursor=cursor)  # fmt: skip
    return {"disputes": page.items, "page": {"next_cursor": page.next_cursor}}


@operator.post(
    "/{dispute_id}/response",
    response_model=Acdv,
    openapi_extra=refuses(DisputeNotFound, TransitionRefused, ReinvestigationPeriodOver),
)
def operator_answer(
    dispute_id: UUID, body: AnswerIn, key: OperatorKey, conn: Tx, vault: VaultDep, now: Now
) -> Any:
    row = reinvestigation.answer(conn, vault, None, dispute_id, body.code, body.corrected_fields,
                                 now)  # fmt: skip
    return reinvestigation.acdv(conn, vault, row)


@operator.post(
    "/run-deadlines",
    response_model=DeadlineRun,
    summary="Run the deadline job now (also: bureau disputes ...)",
)
def operator_run_deadlines(key: OperatorKey, conn: Tx, vault: VaultDep, now: Now) -> Any:
    return reinvestigation.run_deadlines(conn, vault, now)


# Notices addressed to an organization ------------------------------------------------------------


@org.get(
    "",
    response_model=DisputeNoticePage,
    summary="Dispute notices addressed to my organization, newest first",
)
def org_dispute_notices(
    key: AnyOrgKey, conn: Tx, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    after = decode_key(cursor, (datetime, UUID))
    return _notice_page(repo.notices_to_org(conn, key.org_id, after, limit + 1), limit)


@org.get(
    "/{notice_id}",
    response_model=None,
    responses=NOTICE_RESPONSES,
    openapi_extra=refuses(DisputeNotFound),
)
def org_dispute_notice(notice_id: UUID, key: AnyOrgKey, conn: Tx, format: Format = "json") -> Any:
    found = next((n for n in repo.notices_to_org(conn, key.org_id)
                  if n.notice_id == notice_id), None)  # fmt: skip
    return _notice(found, format)


for _sub in (me, furnisher, operator, org):
    router.include_router(_sub)
