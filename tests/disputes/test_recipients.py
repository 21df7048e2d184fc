"""Telling past recipients (§611(d)): exactly who received the item in the window, logged."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from bureau.audit import trail
from bureau.vault import Vault
from disputes import recipients, repo, service, statements
from disputes.errors import (
    TransitionRefused,
)
from disputes.reinvestigation import answer
from disputes.workflow import AnswerCode
from tests.disputes.conftest import T0, World, account_dispute


def test_past_recipient_notices_go_to_exactly_the_users_who_received_the_item_in_the_window(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    told = recipients.notify_past_recipients(conn, vault, world.subject_id, row.dispute_id, T0)
    # 6 months for most users (30 and 170 days ago), 2 years for employment (400 days ago);
    # not the lender of 200 days ago, not the employer of 800 days ago, not a score-only pull.
    expected = {world.users[n] for n in ("recent-lender", "landlord", "employer")}
    assert {t["org_id"] for t in told} == expected
    for t in told:
        [notice] = [n for n in repo.notices_to_org(conn, t["org_id"])]
        assert notice.kind == "dispute-correction"
        assert "deleted" in " ".join(notice.body["paragraphs"])
        entry = conn.execute("SELECT event, entry FROM audit_log WHERE entry_id = %s",
                             (t["log_entry"],)).fetchone()  # fmt: skip
        assert entry is not None and entry["event"] == "dispute.recipient_notified"
        assert entry["entry"]["to"] == str(t["org_id"])
    assert repo.notices_to_org(conn, world.users["old-lender"]) == []


def test_past_recipients_are_told_of_a_statement(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None, T0)
    statements.add_statement(conn, vault, world.subject_id, row.dispute_id, "I disagree.", T0)
    told = recipients.notify_past_recipients(conn, vault, world.subject_id, row.dispute_id, T0)
    notice = repo.notices_to_org(conn, told[0]["org_id"])[0]
    assert any("I disagree." in p for p in notice.body["paragraphs"])


def test_nothing_to_tell_past_recipients_about_a_verified_item_without_statement(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None, T0)
    with pytest.raises(TransitionRefused):
        recipients.notify_past_recipients(conn, vault, world.subject_id, row.dispute_id, T0)


def test_past_recipients_cannot_be_told_while_the_dispute_is_open(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    with pytest.raises(TransitionRefused):
        recipients.notify_past_recipients(conn, vault, world.subject_id, row.dispute_id, T0)


def _report(
    conn: psycopg.Connection[dict[str, Any]],
    world: World,
    user: str,
    scope: str,
    tradeline_ids: list[UUID],
) -> None:
    """Record that `user`'s past pull released a report with this scope and these accounts."""
    entry = trail.append(conn, "report.released", world.subject_id, {"to": str(world.users[user])})
    conn.execute(
        """
        INSERT INTO reports (subject_id, report_id, requester_org_id, grant_id, purpose, scope,
                             inquiry_id, log_entry_id, court_order_ref, tradeline_ids,
                             bankruptcy_ids, digest, created_at)
        VALUES (%(subject_id)s, %(report_id)s, %(requester_org_id)s, %(grant_id)s, %(purpose)s,
                %(scope)s, %(inquiry_id)s, %(log_entry_id)s, %(court_order_ref)s,
                %(tradeline_ids)s, %(bankruptcy_ids)s, %(digest)s, %(created_at)s)
        """, {
        "subject_id": world.subject_id, "report_id": uuid4(), "requester_org_id": world.users[user],
        "grant_id": None, "purpose": "credit-transaction", "scope": scope,
        "inquiry_id": world.inquiries[user], "log_entry_id": entry, "court_order_ref": None,
        "tradeline_ids": tradeline_ids, "bankruptcy_ids": [], "digest": b"\x00" * 32,
        "created_at": T0,
    })  # fmt: skip


def test_only_users_whose_report_carried_the_item_are_told(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    # recent-lender's report carried the disputed account; landlord pulled the score only (a
    # full grant, a score-only pull); employer's report was taken when it held only the other
    # account. Only the first received the item.
    _report(conn, world, "recent-lender", "full", [world.tradeline_id, world.second_tradeline_id])
    _report(conn, world, "landlord", "score", [])
    _report(conn, world, "employer", "full", [world.second_tradeline_id])
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    told = recipients.notify_past_recipients(conn, vault, world.subject_id, row.dispute_id, T0)
    assert {t["org_id"] for t in told} == {world.users["recent-lender"]}
    assert repo.notices_to_org(conn, world.users["landlord"]) == []
    assert repo.notices_to_org(conn, world.users["employer"]) == []
