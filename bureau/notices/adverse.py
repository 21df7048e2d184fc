"""Sending an adverse-action notice for a report: checked, stored for the subject, logged.

The user that pulled the report writes the notice through the bureau, so the subject receives
it in their notices whatever the user's mail does, and the score stated is the one released
with the report (stored at release), never a later recomputation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.errors import UniqueViolation

from bureau import events
from bureau.auth.service import OrgPrincipal
from bureau.contact import bureau_contact
from bureau.errors import Conflict, NotFound
from bureau.policy.regime import live_rules
from bureau.score import repo as score_repo
from bureau.score.adverse_action import Party, ScoreUsed, adverse_action_notice
from bureau.subjects import repo as subjects_repo
from bureau.subjects.errors import FileShredded

KIND = "adverse-action"


def send_adverse_action(
    conn: psycopg.Connection[Any],
    user: OrgPrincipal,
    report_id: UUID,
    action: str,
    action_detail: str | None,
    reasons: list[str],
    now: datetime,
) -> dict[str, Any]:
    report = score_repo.report_for_notice(conn, report_id)
    if report is None or report.requester_org_id != user.org_id:
        # Another user's report is no report for this one; whether it exists is not said.
        raise NotFound(f"no report {report_id} was released to you", field="report_id")
    if subjects_repo.file_status(conn, report.subject_id) == "shredded":
        # nobody is left to receive it: the file was erased at the subject's request (a closed
        # file still receives it, the report having been released before the closure)
        raise FileShredded(
            f"the subject of report {report_id} had their file erased", field="report_id"
        )
    assert report.requester_name is not None, "the report was released to the caller's organization"
    notice_id = uuid4()
    body = adverse_action_notice(
        notice_id=notice_id,
        report_id=report_id,
        issued_at=now,
        user=Party(report.requester_name, report.requester_address, report.requester_phone),
        to_name=None,  # the name is never stored in plaintext; the letter adds it when read
        action=action,
        action_detail=action_detail,
        creditor_reasons=reasons,
        score=ScoreUsed.from_dict(report.score) if report.score else None,
        bureau=bureau_contact(),
        rules=live_rules(),
    )
    subject_id = report.subject_id
    try:
        with conn.transaction():  # a savepoint: the refusal is named, not a 500
            events.publish(conn, events.NoticeWritten(subject_id=subject_id, notice_id=notice_id,
                                                      kind=KIND, report_id=report_id, body=body))  # fmt: skip
    except UniqueViolation as exc:
        raise Conflict(
            f"a {KIND} notice was already sent for report {report_id}", field="report_id"
        ) from exc
    events.publish(
        conn,
        events.AdverseActionNoticed(
            subject_id=subject_id, from_org=user.org_id, report_id=report_id, notice_id=notice_id
        ),
    )
    return body
