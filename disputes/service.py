"""The subject's side of a dispute: file it (screened, forwarded, clocked) and add information.

Statements (`statements.py`) and telling past recipients (`recipients.py`) have their own modules.

Services never commit: every function runs inside the caller's transaction, so a dispute, its
first events, its documents and its notices are written together or not at all. `now` is passed
in (the API's clock, the CLI's `--today`), so the legal clock can be tested day by day.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.errors import Conflict, InvalidInput
from bureau.policy.regime import live_rules
from bureau.vault import SubjectCipher, Vault
from disputes import correction, deadlines, notices, repo, screening, workflow
from disputes.errors import DisputeAlreadyOpen, DisputeNotFound
from disputes.items import ITEM_KINDS, check_disputed_field, reason
from disputes.repo import DisputeRow
from disputes.transitions import advance

MAX_DOCUMENTS = 10
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 5000
DOCUMENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "text/plain"})


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Filing:
    item_kind: str  # API kind: account, bankruptcy, inquiry, identity
    item_id: UUID
    reason_code: str
    field: str | None = None
    description: str | None = None
    direct: bool = False
    documents: list[Document] = dataclass_field(default_factory=list)


def _check_documents(documents: list[Document], already: int = 0) -> None:
    if already + len(documents) > MAX_DOCUMENTS:
        raise InvalidInput(f"at most {MAX_DOCUMENTS} documents per dispute", field="documents")
    for i, doc in enumerate(documents):
        if doc.content_type not in DOCUMENT_TYPES:
            raise InvalidInput(
                f"content type {doc.content_type!r} not accepted; one of "
                f"{', '.join(sorted(DOCUMENT_TYPES))}",
                field=f"documents.{i}.content_type",
            )
        if not doc.content or len(doc.content) > MAX_DOCUMENT_BYTES:
            raise InvalidInput(
                f"a document must hold 1 to {MAX_DOCUMENT_BYTES} bytes",
                field=f"documents.{i}.content",
            )
        if not doc.filename.strip():
            raise InvalidInput("a document needs a file name", field=f"documents.{i}.filename")


def _check_description(text: str | None, field_name: str = "description") -> None:
    if text is not None and len(text) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(f"at most {MAX_DESCRIPTION_CHARS} characters", field=field_name)


def _store_documents(
    conn: psycopg.Connection[Any],
    cipher: SubjectCipher,
    dispute_id: UUID,
    documents: list[Document],
    now: datetime,
) -> None:
    for doc in documents:
        repo.insert_document(
            conn, cipher.subject_id, dispute_id, uuid4(),
            cipher.encrypt("dispute-document-name", doc.filename), doc.content_type,
            cipher.encrypt("dispute-document", base64.b64encode(doc.content).decode()),
            len(doc.content), cipher.key_version, now,
        )  # fmt: skip


def dispute_facts(row: DisputeRow) -> dict[str, Any]:
    """What a letter says about the dispute itself."""
    return {
        "dispute_id": row.dispute_id,
        "received_on": deadlines.receipt_date(row.received_at).isoformat(),
        "due_on": row.due_at.isoformat(),
        "reason_code": row.reason_code,
    }


def file_dispute(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, filing: Filing, now: datetime
) -> DisputeRow:
    """Open a dispute on an item of the subject's own file and start its clock."""
    rules = live_rules().dispute
    if not rules.available:
        raise Conflict("the live regime offers no dispute right", field="regime")
    item_kind = ITEM_KINDS[filing.item_kind]
    reason(filing.reason_code, item_kind)
    check_disputed_field(item_kind, filing.field)
    _check_description(filing.description)
    if filing.reason_code == "other" and not (filing.description or "").strip():
        raise InvalidInput("describe the problem when the reason is 'other'", field="description")
    _check_documents(filing.documents)

    item = repo.item(conn, subject_id, item_kind, filing.item_id)
    if item is None or item.get("deleted_at") is not None:
        raise DisputeNotFound(f"no {filing.item_kind} {filing.item_id} in your file",
                              field="item.id")  # fmt: skip
    _refuse_if_open(conn, subject_id, item_kind, filing.item_id)

    cipher = vault.cipher_for(conn, subject_id)
    machine = workflow.open_dispute(now, direct=filing.direct, rules=rules)
    clock = deadlines.clock_for(machine.received_on, rules)
    row = DisputeRow(
        subject_id=subject_id, dispute_id=uuid4(), item_kind=item_kind, item_id=filing.item_id,
        field=filing.field, furnisher_id=item["investigator_id"], reason_code=filing.reason_code,
        description_ct=(cipher.encrypt("dispute-description", filing.description)
                        if filing.description else None),
        key_version=cipher.key_version, direct=filing.direct, state=machine.state.value,
        received_at=now, due_at=machine.due_on, result=None, closed_at=None, extended=False,
        forward_by=clock.forward_by, completed_on=None, has_statement=False,
        recipients_notified_at=None, item_snapshot=correction.snapshot(item),
        prior_compliance_condition=None,
    )  # fmt: skip
    if not repo.insert_dispute(conn, row):
        _refuse_if_open(conn, subject_id, item_kind, filing.item_id)
    repo.append_event(conn, subject_id, row.dispute_id, "received", "subject", {
        "state": row.state, "reason": row.reason_code, "field": row.field,
        "direct": row.direct, "documents": len(filing.documents),
        "forward_by": clock.forward_by.isoformat(), "due_on": row.due_at.isoformat(),
    }, now)  # fmt: skip
    _store_documents(conn, cipher, row.dispute_id, filing.documents, now)
    events.publish(conn, events.DisputeOpened(
        subject_id=subject_id, dispute_id=row.dispute_id, item_kind=item_kind,
        item_id=filing.item_id, received_at=now, due_on=row.due_at,
    ))  # fmt: skip

    earlier = repo.latest_closed_on(conn, subject_id, item_kind, filing.item_id)
    finding = screening.screen(
        earlier, filing.reason_code, filing.field,
        bool(filing.description and filing.description.strip()) or bool(filing.documents),
    )  # fmt: skip
    if finding is not None:
        return _frivolous(conn, cipher, row, item, finding, now)
    return _forward(conn, row, item, now)


def _refuse_if_open(
    conn: psycopg.Connection[Any], subject_id: UUID, item_kind: str, item_id: UUID
) -> None:
    open_id = repo.open_dispute_on(conn, subject_id, item_kind, item_id)
    if open_id is not None:
        raise DisputeAlreadyOpen(
            f"dispute {open_id} on this item is still open; add information to it instead",
            field="item.id",
            open_dispute_id=str(open_id),
        )


def _frivolous(
    conn: psycopg.Connection[Any],
    cipher: SubjectCipher,
    row: DisputeRow,
    item: dict[str, Any],
    finding: screening.Finding,
    now: datetime,
) -> DisputeRow:
    row = advance(conn, row, workflow.FoundFrivolous(now, finding.reason, finding.needed),
                  "bureau", now, {"reason": finding.reason, "needed": finding.needed})  # fmt: skip
    today = deadlines.receipt_date(now)
    notice_id = uuid4()
    body = notices.frivolous_notice(
        notice_id, today, deadlines.frivolous_notice_by(today), dispute_facts(row),
        correction.describe(conn, cipher, row.item_kind, item), finding.reason, finding.needed,
    )  # fmt: skip
    events.publish(conn, events.NoticeWritten(
        subject_id=row.subject_id, notice_id=notice_id, kind=notices.FRIVOLOUS,
        dispute_id=row.dispute_id, body=body, due_by=deadlines.frivolous_notice_by(today),
        created_at=now,
    ))  # fmt: skip
    return advance(conn, row, workflow.FrivolousNoticeSent(now), "bureau", now,
                   {"notice_id": str(notice_id)})  # fmt: skip


def _forward(
    conn: psycopg.Connection[Any], row: DisputeRow, item: dict[str, Any], now: datetime
) -> DisputeRow:
    """Send the dispute to whoever furnished the item (at once: well within 5 business days)."""
    prior = correction.mark_disputed(conn, row, item)
    row = replace(row, prior_compliance_condition=prior)
    to = str(row.furnisher_id) if row.furnisher_id else "bureau"
    row = advance(conn, row, workflow.Forwarded(now), "bureau", now, {"to": to})
    events.publish(conn, events.DisputeForwarded(
        subject_id=row.subject_id, dispute_id=row.dispute_id, to=to, item_kind=row.item_kind,
        item_id=row.item_id, direct=row.direct,
    ))  # fmt: skip
    return row


def own_dispute(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID, *, lock: bool = False
) -> DisputeRow:
    row = repo.dispute(conn, subject_id, dispute_id, lock=lock)
    if row is None:
        raise DisputeNotFound(f"no dispute {dispute_id} in your file", field="dispute_id")
    return row


def add_information(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject_id: UUID,
    dispute_id: UUID,
    text: str | None,
    documents: list[Document],
    now: datetime,
) -> DisputeRow:
    """More information from the subject: forwarded, and within 30 days it extends to 45."""
    if not (text and text.strip()) and not documents:
        raise InvalidInput("send a text, documents, or both", field="text")
    _check_description(text, "text")
    row = own_dispute(conn, subject_id, dispute_id, lock=True)
    already = len(repo.documents(conn, subject_id, dispute_id, with_content=False))
    extra = [Document("information.txt", "text/plain", text.encode())] if text else []
    _check_documents([*documents, *extra], already)
    before = row.due_at
    row = advance(conn, row, workflow.InformationAdded(now), "subject", now,
                  {"documents": len(documents) + len(extra)})  # fmt: skip
    _store_documents(conn, vault.cipher_for(conn, subject_id), dispute_id, [*documents, *extra],
                     now)  # fmt: skip
    if row.due_at != before:
        repo.append_event(conn, subject_id, dispute_id, "extended", "bureau",
                          {"due_on": row.due_at.isoformat()}, now)  # fmt: skip
    return row


# Reading -----------------------------------------------------------------------------------------


def dispute_view(
    conn: psycopg.Connection[Any], vault: Vault, row: DisputeRow, *, for_subject: bool
) -> dict[str, Any]:
    """A dispute with its clock, history, documents (names only) and notices."""
    cipher = vault.cipher_for(conn, row.subject_id)
    clock = deadlines.clock_for(deadlines.receipt_date(row.received_at))
    docs = repo.documents(conn, row.subject_id, row.dispute_id, with_content=False)
    view: dict[str, Any] = {
        "dispute_id": row.dispute_id,
        "item": {"kind": _api_kind(row.item_kind), "id": row.item_id, "field": row.field},
        "reason": row.reason_code,
        "description": cipher.decrypt("dispute-description", bytes(row.description_ct))
        if row.description_ct else None,
        "direct": row.direct,
        "state": row.state,
        "result": row.result,
        "received_at": row.received_at,
        "forward_by": row.forward_by,
        "due_on": row.due_at,
        "extended": row.extended,
        "deletion_if_unverified_on": deadlines.deletion_day(row.due_at),
        "results_notice_by": deadlines.results_notice_by(row.completed_on)
        if row.completed_on else None,
        "frivolous_notice_by": clock.frivolous_notice_by,
        "closed_at": row.closed_at,
        "has_statement": row.has_statement,
        "recipients_notified_at": row.recipients_notified_at,
        "documents": [
            {"document_id": d.document_id,
             "filename": cipher.decrypt("dispute-document-name", bytes(d.filename_ct)),
             "content_type": d.content_type, "size_bytes": d.size_bytes,
             "added_at": d.added_at}
            for d in docs
        ],
        "events": repo.events(conn, row.subject_id, row.dispute_id),
    }  # fmt: skip
    if for_subject:
        view["notices"] = [
            {"notice_id": n.notice_id, "kind": n.kind, "created_at": n.created_at,
             "due_by": n.due_by}
            for n in repo.notices_of_dispute(conn, row.subject_id, row.dispute_id)
            if n.recipient_org_id is None
        ]  # fmt: skip
    return view


def _api_kind(item_kind: str) -> str:
    return {v: k for k, v in ITEM_KINDS.items()}[item_kind]


def document_content(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, dispute_id: UUID,
    document_id: UUID,
) -> tuple[str, str, bytes]:  # fmt: skip
    """(filename, content type, bytes) of one document of the dispute."""
    doc = repo.document(conn, subject_id, dispute_id, document_id)
    if doc is None:
        raise DisputeNotFound(f"no document {document_id} in this dispute", field="document_id")
    assert doc.content_ct is not None, "repo.document reads the content"
    cipher = vault.cipher_for(conn, subject_id)
    return (
        cipher.decrypt("dispute-document-name", bytes(doc.filename_ct)),
        doc.content_type,
        base64.b64decode(cipher.decrypt("dispute-document", bytes(doc.content_ct))),
    )
