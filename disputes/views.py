"""What the dispute routes answer: a dispute as its subject sees it, and as an investigator
(the furnisher, or the bureau for its own items) sees it, as an ACDV.

Built from the typed row (`disputes.repo.DisputeRow`) by `disputes.service.dispute_view` and
`disputes.reinvestigation.acdv`; these models are the routes' response models, so the spec
says exactly what those builders return.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.jsonvalue import Json
from bureau.pagination import PageInfo
from disputes.workflow import AnswerCode, State

ItemKind = Literal["account", "bankruptcy", "inquiry", "identity"]


class Answer(BaseModel):
    """A response body built as a dict by its service: a key the service gains is sent too."""

    model_config = ConfigDict(extra="allow")


class DisputedItem(Answer):
    kind: ItemKind
    id: UUID
    field: str | None = Field(description="the one field disputed, for an account")


class DocumentRef(Answer):
    document_id: UUID
    filename: str
    content_type: str
    size_bytes: int
    added_at: datetime


class DisputeEvent(Answer):
    seq: int
    kind: str = Field(description="what happened (received, forwarded, answered, ...)")
    actor: str
    detail: dict[str, Json] | None
    at: datetime


class NoticeRef(Answer):
    notice_id: UUID
    kind: str
    created_at: datetime
    due_by: date | None


class DisputeClock(Answer):
    """A dispute's state and its legal clock (FCRA §611, the live regime's periods)."""

    dispute_id: UUID
    description: str | None = Field(description="the subject's own words, decrypted")
    direct: bool = Field(description="filed directly with the furnisher (Reg V §1022.43)")
    state: State
    result: str | None
    received_at: datetime
    forward_by: date | None
    due_on: date
    extended: bool
    deletion_if_unverified_on: date
    results_notice_by: date | None
    frivolous_notice_by: date
    closed_at: datetime | None
    has_statement: bool
    recipients_notified_at: datetime | None
    documents: list[DocumentRef]
    events: list[DisputeEvent]


class Dispute(DisputeClock):
    """A dispute as its subject sees it."""

    item: DisputedItem
    reason: str = Field(description="the reason code (GET /v1/me/disputes/reasons)")
    notices: list[NoticeRef] = Field(description="the notices about it sent to the subject")


class Statement(Answer):
    statement_id: UUID
    dispute_id: UUID | None
    item_kind: str
    item_id: UUID
    text: str
    created_at: datetime


class MyDisputes(Answer):
    disputes: list[Dispute]
    statements: list[Statement] = Field(description="every current statement (not paged)")
    page: PageInfo


class AcdvItem(DisputedItem):
    as_reported: dict[str, Json] | None = Field(description="the item when it was disputed")
    current: dict[str, Json] = Field(description="the item as the file holds it now")
    account_number: str | None = Field(description="the full number, for the furnisher only")


class Reason(Answer):
    code: str
    text: str


class Acdv(DisputeClock):
    """A dispute as its investigator sees it: the item as reported, the reason, the evidence."""

    item: AcdvItem
    reason: Reason
    response_codes: list[AnswerCode]


class NotifiedRecipient(Answer):
    org_id: UUID
    name: str
    notice_id: UUID
    log_entry: int = Field(description="the access-log entry recording the notice")


class NotifiedRecipients(Answer):
    notified: list[NotifiedRecipient]


class FailedDeadline(Answer):
    subject_id: UUID
    dispute_id: UUID
    reason: str


class DeadlineRun(Answer):
    today: date
    deleted: list[dict[str, Json]] = Field(description="each item deleted, with its dispute")
    failed: list[FailedDeadline] = Field(description="disputes left for the next run, and why")


class DisputeNotice(Answer):
    """A dispute notice (results, frivolous, reinsertion, correction), as JSON."""

    notice_id: UUID
    subject_id: UUID
    dispute_id: UUID | None
    recipient_org_id: UUID | None = Field(description="null: addressed to the subject")
    kind: str
    created_at: datetime
    due_by: date | None
    body: dict[str, Json]


class DisputeNoticePage(Answer):
    notices: list[DisputeNotice]
    page: PageInfo


class Inbox(Answer):
    disputes: list[Acdv]
    page: PageInfo


class ReasonCodeInfo(Answer):
    code: str
    text: str
    items: list[ItemKind]


class DisputeReasons(Answer):
    reasons: list[ReasonCodeInfo]
    fields: dict[str, list[str]] = Field(description="item kind -> the fields one may dispute")
