"""Telling past recipients (FCRA §611(d)): on the subject's request, every user who received
the item in the window learns of the deletion, the correction or the statement.

Why each notice goes to the access log: the subject can then verify who was told, and when, with
the same inclusion proofs that show who read their file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.audit import trail
from bureau.file import assemble
from bureau.file import repo as file_repo
from bureau.policy.regime import live_rules
from bureau.vault import SubjectCipher, Vault
from disputes import correction, deadlines, notices, repo, workflow
from disputes.repo import DisputeRow
from disputes.service import dispute_facts, own_dispute
from disputes.transitions import advance

EMPLOYMENT_PURPOSE = "employment"


def notify_past_recipients(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, dispute_id: UUID, now: datetime
) -> list[dict[str, Any]]:
    """§611(d): tell every user who received the item in the window; each notice is logged."""
    rules = live_rules().dispute
    row = own_dispute(conn, subject_id, dispute_id, lock=True)
    row = advance(conn, row, workflow.RecipientsNotified(now), "subject", now)
    item = repo.item(conn, subject_id, row.item_kind, row.item_id)
    assert item is not None
    cipher = vault.cipher_for(conn, subject_id)
    entered = item.get("created_at") or item.get("first_seen_at") or row.received_at
    today = deadlines.receipt_date(now)
    since = datetime.combine(
        deadlines.past_recipient_since(today, employment=False, rules=rules), datetime.min.time(),
        now.tzinfo,
    )  # fmt: skip
    since_employment = since - timedelta(
        days=rules.past_recipient_days_employment - rules.past_recipient_days
    )
    recipients = repo.past_recipients(conn, subject_id, row.item_kind, row.item_id, entered,
                                      since, since_employment, EMPLOYMENT_PURPOSE)  # fmt: skip
    statement = _current_statement(conn, cipher, subject_id, row)
    changes = _changes_of(conn, row)
    told = []
    for recipient in recipients:
        org = repo.organization(conn, recipient.org_id)
        notice_id = uuid4()
        body = notices.correction_notice(
            notice_id, today, dispute_facts(row),
            correction.describe(conn, cipher, row.item_kind, item),
            {"name": recipient.name, "address": org.address if org else None},
            row.result, changes, statement,
        )  # fmt: skip
        events.publish(conn, events.NoticeWritten(
            subject_id=subject_id, notice_id=notice_id, kind=notices.CORRECTION,
            recipient_org_id=recipient.org_id, dispute_id=dispute_id, body=body,
            created_at=now,
        ))  # fmt: skip
        entry = trail.entry_id(events.publish(conn, events.RecipientNotified(
            subject_id=subject_id, dispute_id=dispute_id, to=recipient.org_id,
            notice_id=notice_id, inquiry_id=recipient.inquiry_id,
            received_at=recipient.created_at,
        )))  # fmt: skip
        told.append({"org_id": recipient.org_id, "name": recipient.name,
                     "notice_id": notice_id, "log_entry": entry})  # fmt: skip
    repo.append_event(conn, subject_id, dispute_id, "recipients_told", "bureau",
                      {"count": len(told)}, now)  # fmt: skip
    return told


def _current_statement(
    conn: psycopg.Connection[Any], cipher: SubjectCipher, subject_id: UUID, row: DisputeRow
) -> str | None:
    for s in file_repo.statements(conn, subject_id):
        if s.item_kind == row.item_kind and s.item_id == row.item_id:
            return assemble.statement(s, cipher).text
    return None


def _changes_of(conn: psycopg.Connection[Any], row: DisputeRow) -> dict[str, Any] | None:
    for event in repo.events(conn, row.subject_id, row.dispute_id):
        if event.kind == "file_corrected" and event.detail and event.detail.get("changes"):
            changes: dict[str, Any] = event.detail["changes"]
            return changes
    return None
