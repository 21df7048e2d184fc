"""Notices over HTTP: users send adverse-action notices; subjects read theirs (JSON or letter)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

import psycopg
from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from bureau.api.contract import refuses
from bureau.api.deps import Subject, Tx, UserKey, VaultDep
from bureau.auth.service import SubjectPrincipal
from bureau.errors import Conflict, NotFound
from bureau.inputs import RequestBody
from bureau.jsonvalue import Json
from bureau.notices import adverse, inbox, repo
from bureau.pagination import DEFAULT_LIMIT, Cursor, Limit, PageInfo, decode_key, key_of, page_of
from bureau.score.adverse_action import ACTIONS, render_letter
from bureau.subjects import repo as subjects_repo
from bureau.subjects.errors import FileShredded

router = APIRouter(tags=["notices"])


AdverseAction = StrEnum(  # type: ignore[misc]
    "AdverseAction", {code.replace("-", "_").upper(): code for code in ACTIONS}
)
"""The actions a notice can report (`bureau.score.adverse_action.ACTIONS`)."""


class AdverseActionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "report_id": "9a4e1c2b-7d3f-4e5a-8b6c-0d1e2f3a4b5c",
                    "action": "credit-denied",
                    "reasons": ["Proportion of balances to credit limits is too high"],
                }
            ]
        }
    )
    report_id: UUID
    action: AdverseAction = Field(description="what the user did (Regulation B §1002.9)")
    action_detail: str | None = Field(default=None, max_length=300)
    reasons: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        max_length=20,
        description="the specific principal reasons for the action (Regulation B §1002.9)",
    )


class NoticeOut(BaseModel):
    """A notice to the subject: an adverse action, a dispute's results, a correction, ..."""

    notice_id: UUID
    kind: str
    report_id: UUID | None = Field(description="the report an adverse action was based on")
    dispute_id: UUID | None
    created_at: datetime
    due_by: date | None
    body: dict[str, Json]


class NoticePage(BaseModel):
    notices: list[NoticeOut]
    page: PageInfo


class AdverseActionSent(BaseModel):
    """The notice as sent (FCRA §615(a), Regulation B §1002.9), and where its letter is."""

    model_config = ConfigDict(populate_by_name=True)

    kind: Literal["adverse-action"]
    notice_id: UUID
    report_id: UUID
    issued_at: datetime
    sender: dict[str, Json] = Field(alias="from", description="the user who took the action")
    to: dict[str, Json]
    action: dict[str, Json]
    creditor_reasons: list[str]
    score: dict[str, Json]
    bureau: dict[str, Json]
    your_rights: list[dict[str, Json]]
    law: list[str]
    letter: str = Field(description="the path of the printable letter")


def _shown(row: repo.NoticeRow) -> dict[str, Any]:
    return {
        "notice_id": str(row.notice_id),
        "kind": row.kind,
        "report_id": str(row.report_id) if row.report_id else None,
        "dispute_id": str(row.dispute_id) if row.dispute_id else None,
        "created_at": row.created_at.isoformat(),
        "due_by": row.due_by.isoformat() if row.due_by else None,
        "body": row.body,
    }


@router.post(
    "/v1/notices/adverse-action",
    status_code=status.HTTP_201_CREATED,
    summary="Send the subject an adverse-action notice for a report you pulled (FCRA §615)",
    response_model=AdverseActionSent,
    openapi_extra=refuses((404, "not-found", "Not found"), FileShredded, Conflict),
)
def send_adverse_action(body: AdverseActionIn, user: UserKey, conn: Tx) -> dict[str, Any]:
    notice = adverse.send_adverse_action(
        conn, user, body.report_id, body.action, body.action_detail, body.reasons,
        datetime.now(UTC),
    )  # fmt: skip
    return notice | {"letter": f"/v1/me/notices/{notice['notice_id']}/letter"}


@router.get(
    "/v1/me/notices",
    response_model=NoticePage,
    summary="Every notice addressed to me, newest first",
)
def my_notices(
    subject: Subject, conn: Tx, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> dict[str, Any]:
    after = decode_key(cursor, (datetime, UUID))
    rows = repo.notices_for(conn, subject.subject_id, after, limit + 1)
    page = page_of(rows, limit, lambda r: key_of(r.created_at, r.notice_id))
    return {"notices": [_shown(r) for r in page.items], "page": {"next_cursor": page.next_cursor}}


def _mine(
    conn: psycopg.Connection[Any], subject: SubjectPrincipal, notice_id: UUID
) -> repo.NoticeRow:
    """Reading one's notice is an access like any other: logged, as the portal's is."""
    return inbox.open_notice_row(conn, subject, notice_id, channel="api")


@router.get(
    "/v1/me/notices/{notice_id}", response_model=NoticeOut, summary="One of my notices, as JSON"
)
def my_notice(notice_id: UUID, subject: Subject, conn: Tx) -> dict[str, Any]:
    return _shown(_mine(conn, subject, notice_id))


@router.get(
    "/v1/me/notices/{notice_id}/letter",
    response_class=HTMLResponse,
    summary="One of my adverse-action notices as a printable letter",
)
def my_letter(notice_id: UUID, subject: Subject, conn: Tx, vault: VaultDep) -> HTMLResponse:
    row = _mine(conn, subject, notice_id)
    if row.kind != adverse.KIND:
        raise NotFound("letters exist for adverse-action notices", field="notice_id")
    cipher = vault.cipher_for(conn, subject.subject_id)
    names = [
        cipher.decrypt(kind, blob)
        for kind, blob, current in subjects_repo.identity_facts(conn, subject.subject_id)
        if kind == "name" and current
    ]
    notice = row.body | {"to": {"name": names[0] if names else None}}
    return HTMLResponse(render_letter(notice))
