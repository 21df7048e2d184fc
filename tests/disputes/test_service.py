"""The subject's rights when disputing: filing, screening, more information."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from bureau import events
from bureau.db.pool import transaction
from bureau.db.write import Write
from bureau.errors import InvalidInput
from bureau.vault import Vault
from disputes import repo, service
from disputes.errors import (
    DisputeAlreadyOpen,
    DisputeNotFound,
)
from disputes.reinvestigation import answer
from disputes.service import Document, Filing
from disputes.workflow import AnswerCode
from tests.disputes.conftest import T0, World, account_dispute, build_world, compliance_of


def test_filing_a_dispute_starts_the_legal_clock_and_forwards_it(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    assert row.state == "forwarded"
    assert row.furnisher_id == world.furnisher_id
    assert row.due_at == date(2026, 12, 25)  # 30 calendar days
    assert row.forward_by == date(2026, 12, 3)  # 5 business days, Thanksgiving skipped
    kinds = [e.kind for e in repo.events(conn, world.subject_id, row.dispute_id)]
    assert kinds == ["received", "forwarded"]
    logged = conn.execute(
        "SELECT entry FROM audit_log WHERE subject_id = %s AND event = 'dispute.forwarded'",
        (world.subject_id,),
    ).fetchall()
    assert [e["entry"]["dispute_id"] for e in logged] == [str(row.dispute_id)]


def test_a_disputed_account_is_reported_as_disputed_while_open(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    assert compliance_of(conn, world) is None
    service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    assert compliance_of(conn, world) == "XB"


def test_disputing_an_item_of_another_file_is_not_found(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    stranger = build_world(conn, vault)
    with pytest.raises(DisputeNotFound) as e:
        service.file_dispute(conn, vault, stranger.subject_id, account_dispute(world), T0)
    assert e.value.status == 404
    with pytest.raises(DisputeNotFound):
        service.file_dispute(conn, vault, world.subject_id,
                             account_dispute(world, item_id=uuid4()), T0)  # fmt: skip
    assert repo.disputes_of_subject(conn, stranger.subject_id) == []


def test_a_second_open_dispute_on_the_same_item_conflicts_naming_the_open_one(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    first = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    with pytest.raises(DisputeAlreadyOpen) as e:
        service.file_dispute(conn, vault, world.subject_id,
                             account_dispute(world, reason_code="inaccurate-balance"), T0)  # fmt: skip
    assert e.value.status == 409
    assert e.value.extra["open_dispute_id"] == str(first.dispute_id)
    # Another item of the same file can be disputed at the same time.
    service.file_dispute(conn, vault, world.subject_id,
                         account_dispute(world, item_id=world.second_tradeline_id), T0)  # fmt: skip


def test_free_text_and_documents_are_stored_encrypted(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    secret = "My statement from Test Bank shows a zero balance"
    pdf = b"%PDF-1.4 bank statement showing zero balance"
    filing = account_dispute(
        world, description=secret, documents=[Document("statement.pdf", "application/pdf", pdf)]
    )
    row = service.file_dispute(conn, vault, world.subject_id, filing, T0)
    raw = conn.execute(
        "SELECT d.description_ct, x.content_ct, x.filename_ct FROM disputes d "
        "JOIN dispute_documents x USING (subject_id, dispute_id) WHERE d.dispute_id = %s",
        (row.dispute_id,),
    ).fetchone()
    assert raw is not None
    assert b"zero balance" not in bytes(raw["description_ct"])
    assert b"zero balance" not in bytes(raw["content_ct"])
    assert b"statement.pdf" not in bytes(raw["filename_ct"])
    view = service.dispute_view(conn, vault, row, for_subject=True)
    assert view["description"] == secret
    [doc] = view["documents"]
    assert doc["filename"] == "statement.pdf"
    assert service.document_content(conn, vault, world.subject_id, row.dispute_id,
                                    doc["document_id"]) == ("statement.pdf", "application/pdf",
                                                            pdf)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason_code": "no-such-reason"}, "reason"),
        ({"reason_code": "not-authorised"}, "reason"),  # an inquiry reason, not an account's
        ({"field": "favourite_colour"}, "item.field"),
        ({"reason_code": "other", "description": "  "}, "description"),
        ({"documents": [Document("x.exe", "application/x-msdownload", b"MZ")]},
         "documents.0.content_type"),
    ],
)  # fmt: skip
def test_bad_filings_are_refused_naming_the_field_and_nothing_is_written(
    conn: psycopg.Connection[dict[str, Any]],
    vault: Vault,
    world: World,
    change: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as e:
        service.file_dispute(conn, vault, world.subject_id, account_dispute(world, **change), T0)
    assert e.value.field == field
    assert repo.disputes_of_subject(conn, world.subject_id) == []


def test_not_mine_can_be_claimed_for_an_account_an_inquiry_or_a_record(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    for kind, item_id in (("account", world.tradeline_id),
                          ("inquiry", world.inquiries["recent-lender"]),
                          ("bankruptcy", world.bankruptcy_id)):  # fmt: skip
        row = service.file_dispute(conn, vault, world.subject_id,
                                   Filing(kind, item_id, "not-mine"), T0)  # fmt: skip
        assert row.state == "forwarded"
    inquiry = repo.item(conn, world.subject_id, "inquiry", world.inquiries["recent-lender"])
    assert inquiry is not None
    assert repo.open_dispute_on(conn, world.subject_id, "inquiry", inquiry["inquiry_id"])


def test_a_repeat_dispute_with_nothing_new_is_frivolous_and_the_subject_is_told_why(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    first = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, first.dispute_id, AnswerCode.VERIFIED, None,
           T0 + timedelta(days=5))  # fmt: skip
    again = T0 + timedelta(days=8)
    row = service.file_dispute(conn, vault, world.subject_id,
                               account_dispute(world, description=None), again)  # fmt: skip
    assert row.state == "closed" and row.result == "frivolous"
    [notice] = [n for n in repo.notices_of_dispute(conn, world.subject_id, row.dispute_id)]
    assert notice.kind == "dispute-frivolous"
    assert notice.due_by == date(2026, 12, 10)  # 5 business days after Thu 3 Dec
    assert str(first.dispute_id) in notice.body["paragraphs"][0]
    assert "What we need" in notice.body["paragraphs"][1]
    assert compliance_of(conn, world) == "XH"  # the frivolous repeat never flagged the account


def test_a_repeat_dispute_with_new_documents_is_investigated(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    first = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, first.dispute_id, AnswerCode.VERIFIED, None, T0)
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(
        world, description=None,
        documents=[Document("receipt.png", "image/png", b"\x89PNG receipt")]), T0)  # fmt: skip
    assert row.state == "forwarded"


def test_more_information_within_30_days_extends_the_deadline_to_45_days(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    row = service.add_information(
        conn,
        vault,
        world.subject_id,
        row.dispute_id,
        "Here is my bank's letter.",
        [],
        T0 + timedelta(days=12),
    )
    assert row.extended and row.due_at == date(2027, 1, 9)
    kinds = [e.kind for e in repo.events(conn, world.subject_id, row.dispute_id)]
    assert kinds[-2:] == ["information_added", "extended"]
    [doc] = service.dispute_view(conn, vault, row, for_subject=True)["documents"]
    assert doc["content_type"] == "text/plain"


def test_information_after_30_days_does_not_extend(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    row = service.add_information(conn, vault, world.subject_id, row.dispute_id, "More.", [],
                                  T0 + timedelta(days=31))  # fmt: skip
    assert not row.extended and row.due_at == date(2026, 12, 25)


def test_two_filings_at_once_on_one_item_open_exactly_one_dispute(
    pool: ConnectionPool, vault: Vault, committed_world: World
) -> None:
    world = committed_world
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def file_one() -> None:
        start.wait()
        try:
            with transaction(pool) as conn:
                service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
            outcomes.append("filed")
        except DisputeAlreadyOpen:
            outcomes.append("409")

    threads = [threading.Thread(target=file_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "filed"]


def test_opening_answering_and_correcting_a_dispute_are_events_a_subscriber_receives(
    conn: psycopg.Connection, vault: Vault, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the webhook outbox (issue 15) will subscribe to: raised in the transaction."""
    seen: list[events.Event] = []

    def record(event: events.Event) -> list[Write]:
        seen.append(event)
        return []

    bus = events.BUS
    monkeypatch.setattr(bus, "_handlers", {k: list(v) for k, v in bus._handlers.items()})
    for kind in (events.DisputeOpened, events.DisputeAnswered, events.ItemCorrected):
        bus.subscribe(kind, record)
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    opened, answered, corrected = seen
    assert isinstance(opened, events.DisputeOpened) and opened.due_on == row.due_at
    assert isinstance(answered, events.DisputeAnswered) and answered.code == "deleted"
    assert isinstance(corrected, events.ItemCorrected)
    assert corrected.changes == {"item": {"before": "on file", "after": "deleted"}}
