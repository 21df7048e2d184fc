"""The investigator's side: the furnisher's inbox and answers, reinsertion, and the deadline job.

Why the answer, the correction, the results notice and the closing happen in one call: the law
gives the bureau 5 business days for the results notice, but nothing is gained by waiting, and
doing it in the answer's own transaction means no dispute can be left answered but uncorrected.
The deadline job is the other way a reinvestigation ends: an item not verified in time is
deleted, the furnisher is told, and the subject gets the results.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.business_days import latest_due_deleted_by
from bureau.errors import InvalidInput
from bureau.pagination import Page, decode_key, key_of, page_of
from bureau.policy.regime import live_rules
from bureau.subjects import repo as subjects_repo
from bureau.subjects.errors import FileShredded
from bureau.vault import Vault
from disputes import correction, deadlines, notices, repo, workflow
from disputes.errors import DisputeNotFound, NotYourItem, TransitionRefused
from disputes.items import REASONS, parse_corrections
from disputes.repo import DisputeRow
from disputes.service import dispute_facts, dispute_view, document_content
from disputes.transitions import advance, furnisher_actor


def _addressed_to(
    conn: psycopg.Connection[Any], org_id: UUID | None, dispute_id: UUID, *, lock: bool
) -> DisputeRow:
    """The dispute, if `org_id` investigates it (None: the bureau's operator)."""
    row = repo.dispute_by_id(conn, dispute_id, lock=lock)
    if row is None:
        raise DisputeNotFound(f"no dispute {dispute_id}", field="dispute_id")
    if row.furnisher_id != org_id:
        raise NotYourItem(
            f"dispute {dispute_id} concerns data furnished by another organization",
            field="dispute_id",
        )
    if subjects_repo.file_status(conn, row.subject_id) == "shredded":
        raise FileShredded(f"dispute {dispute_id} belonged to an erased file", field="dispute_id")
    return row


def acdv(conn: psycopg.Connection[Any], vault: Vault, row: DisputeRow) -> dict[str, Any]:
    """The dispute as the furnisher needs it: the item as reported, the reason, the evidence."""
    view = dispute_view(conn, vault, row, for_subject=False)
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id) or {}
    cipher = vault.cipher_for(conn, row.subject_id)
    reason = REASONS.get(row.reason_code)
    view["reason"] = {"code": row.reason_code, "text": reason.text if reason else row.reason_code}
    view["item"] |= {
        "as_reported": row.item_snapshot,
        "current": correction.snapshot(item),
        "account_number": correction.account_number(cipher, item),
    }
    view["response_codes"] = [c.value for c in workflow.AnswerCode]
    return view


def inbox(
    conn: psycopg.Connection[Any],
    vault: Vault,
    org_id: UUID | None,
    *,
    open_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[dict[str, Any]]:
    """One page of an investigator's inbox, the most urgent first."""
    after = decode_key(cursor, (date, datetime, UUID))
    rows = repo.disputes_of_furnisher(conn, org_id, open_only=open_only, after=after,
                                      limit=limit + 1)  # fmt: skip
    page = page_of(rows, limit, lambda r: key_of(r.due_at, r.received_at, r.dispute_id))
    return Page([acdv(conn, vault, row) for row in page.items], page.next_cursor)


def case(
    conn: psycopg.Connection[Any], vault: Vault, org_id: UUID | None, dispute_id: UUID
) -> dict[str, Any]:
    return acdv(conn, vault, _addressed_to(conn, org_id, dispute_id, lock=False))


def document(
    conn: psycopg.Connection[Any], vault: Vault, org_id: UUID | None, dispute_id: UUID,
    document_id: UUID,
) -> tuple[str, str, bytes]:  # fmt: skip
    row = _addressed_to(conn, org_id, dispute_id, lock=False)
    return document_content(conn, vault, row.subject_id, dispute_id, document_id)


def answer(
    conn: psycopg.Connection[Any],
    vault: Vault,
    org_id: UUID | None,
    dispute_id: UUID,
    code: workflow.AnswerCode,
    corrected_fields: dict[str, Any] | None,
    now: datetime,
) -> DisputeRow:
    """The investigator's answer; the file is corrected and the subject told in the same breath.

    The dispute row is locked first, so of two concurrent answers exactly one is applied; the
    other finds the dispute answered and is refused (409).
    """
    row = _addressed_to(conn, org_id, dispute_id, lock=True)
    corrections: dict[str, Any] = {}
    if code is workflow.AnswerCode.MODIFIED:
        corrections = parse_corrections(row.item_kind, corrected_fields or {})
        if row.item_kind == "tradeline":  # refused before anything of the answer is written
            item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
            assert item is not None, "a dispute's item is never removed from the database"
            correction.refuse_inconsistent(item, corrections)
    elif corrected_fields:
        raise InvalidInput(
            f"corrected fields come only with a 'modified' answer, not '{code.value}'",
            field="corrected_fields",
        )
    actor = furnisher_actor(org_id) if org_id else "bureau"
    row = advance(conn, row, workflow.Answered(now, code), actor, now, {"code": code.value})
    events.publish(conn, events.DisputeAnswered(subject_id=row.subject_id,
                                                dispute_id=row.dispute_id, code=code.value, by=actor))  # fmt: skip
    changes = correction.apply_outcome(conn, row, workflow.Outcome(code.value), corrections, now)
    if changes:
        events.publish(conn, events.ItemCorrected(
            subject_id=row.subject_id, dispute_id=row.dispute_id, item_kind=row.item_kind,
            item_id=row.item_id, changes=changes,
        ))  # fmt: skip
    if "compliance_condition" in corrections:
        row = replace(row, prior_compliance_condition=corrections["compliance_condition"])
    row = advance(conn, row, workflow.FileCorrected(now), "bureau", now, {"changes": changes})
    return _send_results(conn, vault, row, changes, now)


def find_frivolous(
    conn: psycopg.Connection[Any],
    vault: Vault,
    org_id: UUID,
    dispute_id: UUID,
    reason: str,
    needed: str,
    now: datetime,
) -> DisputeRow:
    """A furnisher declines a direct dispute as frivolous (Reg V §1022.43(f)), telling the
    subject why and what it needs; bureau disputes are screened by the bureau, never here."""
    row = _addressed_to(conn, org_id, dispute_id, lock=True)
    row = advance(conn, row, workflow.FoundFrivolous(now, reason, needed),
                  furnisher_actor(org_id), now, {"reason": reason, "needed": needed})  # fmt: skip
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
    assert item is not None
    today = deadlines.receipt_date(now)
    notice_id = uuid4()
    due_by = deadlines.frivolous_notice_by(today)
    body = notices.frivolous_notice(
        notice_id, today, due_by, dispute_facts(row),
        correction.describe(conn, vault.cipher_for(conn, row.subject_id), row.item_kind, item),
        reason, needed,
    )  # fmt: skip
    events.publish(conn, events.NoticeWritten(
        subject_id=row.subject_id, notice_id=notice_id, kind=notices.FRIVOLOUS,
        recipient_org_id=None, dispute_id=row.dispute_id, body=body, due_by=due_by,
        created_at=now,
    ))  # fmt: skip
    row = advance(conn, row, workflow.FrivolousNoticeSent(now), furnisher_actor(org_id), now,
                  {"notice_id": str(notice_id)})  # fmt: skip
    correction.settle_compliance(conn, row)
    return row


def _send_results(
    conn: psycopg.Connection[Any],
    vault: Vault,
    row: DisputeRow,
    changes: dict[str, Any],
    now: datetime,
) -> DisputeRow:
    """Results notice to the subject, then close (§611(a)(6))."""
    assert row.completed_on is not None
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
    assert item is not None
    cipher = vault.cipher_for(conn, row.subject_id)
    furnisher = repo.organization(conn, row.furnisher_id) if row.furnisher_id else None
    notice_id = uuid4()
    due_by = deadlines.results_notice_by(row.completed_on)
    body = notices.results_notice(
        notice_id, deadlines.receipt_date(now), due_by, dispute_facts(row),
        correction.describe(conn, cipher, row.item_kind, item), row.result or "",
        changes or None, _public(furnisher),
        correction.file_summary(conn, vault, row.subject_id, now) if changes else None,
    )  # fmt: skip
    events.publish(conn, events.NoticeWritten(
        subject_id=row.subject_id, notice_id=notice_id, kind=notices.RESULTS,
        recipient_org_id=None, dispute_id=row.dispute_id, body=body, due_by=due_by,
        created_at=now,
    ))  # fmt: skip
    row = advance(conn, row, workflow.ResultsNoticeSent(now), "bureau", now,
                  {"notice_id": str(notice_id)})  # fmt: skip
    correction.settle_compliance(conn, row)
    events.publish(conn, events.DisputeClosed(
        subject_id=row.subject_id, dispute_id=row.dispute_id, result=row.result,
        notice_id=notice_id,
    ))  # fmt: skip
    return row


def _public(org: repo.Organization | None) -> dict[str, Any] | None:
    return None if org is None else org.contact()


def reinsert(
    conn: psycopg.Connection[Any],
    vault: Vault,
    org_id: UUID | None,
    dispute_id: UUID,
    certified: bool,
    certification: str,
    now: datetime,
) -> DisputeRow:
    """Bring a deleted item back on the furnisher's certification; tell the subject (§611(a)(5)(B))."""
    row = _addressed_to(conn, org_id, dispute_id, lock=True)
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
    assert item is not None
    if row.state == "closed" and not _is_deleted(row.item_kind, item):
        raise TransitionRefused("the item is on the file: there is nothing to reinsert",
                                field="dispute_id")  # fmt: skip
    if certified and not certification.strip():
        raise InvalidInput("state what was certified and by whom", field="certification")
    actor = furnisher_actor(org_id) if org_id else "bureau"
    row = advance(conn, row, workflow.Reinserted(now, certified), actor, now,
                  {"certification": certification})  # fmt: skip
    correction.reinsert_item(conn, row)
    correction.settle_compliance(conn, row)
    cipher = vault.cipher_for(conn, row.subject_id)
    furnisher = _public(repo.organization(conn, org_id)) if org_id else {"name": "fairfile"}
    today = deadlines.receipt_date(now)
    notice_id = uuid4()
    due_by = deadlines.reinsertion_notice_by(today)
    body = notices.reinsertion_notice(
        notice_id, today, due_by, dispute_facts(row),
        correction.describe(conn, cipher, row.item_kind, item), furnisher or {},
    )  # fmt: skip
    events.publish(conn, events.NoticeWritten(
        subject_id=row.subject_id, notice_id=notice_id, kind=notices.REINSERTION,
        recipient_org_id=None, dispute_id=row.dispute_id, body=body, due_by=due_by,
        created_at=now,
    ))  # fmt: skip
    events.publish(conn, events.DisputeReinserted(
        subject_id=row.subject_id, dispute_id=row.dispute_id,
        by=str(org_id) if org_id else "bureau", notice_id=notice_id,
    ))  # fmt: skip
    return row


def _is_deleted(item_kind: str, item: dict[str, Any]) -> bool:
    if item_kind == "identity":
        return not item["is_current"]
    return item.get("deleted_at") is not None


def run_deadlines(conn: psycopg.Connection[Any], vault: Vault, now: datetime) -> dict[str, Any]:
    """Delete every item still unverified from its deletion day (the regime's rule).

    Idempotent: a dispute it closes is no longer selected, and a dispute not yet overdue is left
    alone, so running it twice (or on a schedule) changes nothing the second time. Each dispute
    runs in its own savepoint: one that fails is rolled back alone and named under `failed`
    with the reason, and the others' deletions stand (reports already leave the failed one's
    item out: the file read applies the deletion day itself).
    """
    today = deadlines.receipt_date(now)
    due_by = latest_due_deleted_by(today, live_rules().dispute)
    deleted: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    for subject_id, dispute_id in repo.overdue_disputes(conn, due_by + timedelta(days=1)):
        try:
            with conn.transaction():
                done = _delete_unverified(conn, vault, subject_id, dispute_id, today, now)
        except Exception as exc:  # one dispute's failure must not undo the others' deletions
            failed.append({"subject_id": str(subject_id), "dispute_id": str(dispute_id),
                           "reason": f"{type(exc).__name__}: {exc}"})  # fmt: skip
            continue
        if done is not None:
            deleted.append(done)
    return {"today": today.isoformat(), "deleted": deleted, "failed": failed}


def _delete_unverified(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject_id: UUID,
    dispute_id: UUID,
    today: date,
    now: datetime,
) -> dict[str, Any] | None:
    """One overdue dispute: deleted as unverified, furnisher told, results notice sent."""
    row = repo.dispute(conn, subject_id, dispute_id)
    assert row is not None
    if not deadlines.is_overdue(row.due_at, today):
        return None
    row = advance(conn, row, workflow.DeadlinePassed(today), "system", now,
                  {"due_on": row.due_at.isoformat()})  # fmt: skip
    changes = correction.apply_outcome(conn, row, workflow.Outcome.DELETED_UNVERIFIED, {}, now)
    told = _tell_furnisher(conn, vault, row, now)
    row = _send_results(conn, vault, row, changes, now)
    return {"subject_id": str(subject_id), "dispute_id": str(dispute_id),
            "due_on": row.due_at.isoformat(), "furnisher_notice": told}  # fmt: skip


def _tell_furnisher(
    conn: psycopg.Connection[Any], vault: Vault, row: DisputeRow, now: datetime
) -> str | None:
    if row.furnisher_id is None:
        return None
    org = repo.organization(conn, row.furnisher_id)
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
    assert org is not None and item is not None
    cipher = vault.cipher_for(conn, row.subject_id)
    notice_id = uuid4()
    body = notices.unverified_deletion_notice(
        notice_id, deadlines.receipt_date(now), dispute_facts(row),
        correction.describe(conn, cipher, row.item_kind, item),
        {"name": org.name, "address": org.address},
    )  # fmt: skip
    events.publish(conn, events.NoticeWritten(
        subject_id=row.subject_id, notice_id=notice_id, kind=notices.UNVERIFIED_DELETION,
        recipient_org_id=row.furnisher_id, dispute_id=row.dispute_id, body=body, due_by=None,
        created_at=now,
    ))  # fmt: skip
    return str(notice_id)
