"""Domain events: raised by services, consumed in the request's transaction by the handlers.

The access log's entries keep the content they had before events existed (proofs, the
verifier and the subject's access-log wording read them), and nothing of an event survives a
rolled-back transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau import events
from bureau.audit import trail
from bureau.db.write import Write
from bureau.subjects.creation import open_file

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_an_entrys_content_is_the_events_fields_as_before() -> None:
    subject, thaw, org = uuid4(), uuid4(), uuid4()
    thawed = events.FreezeThawed(subject_id=subject, thaw_id=thaw, for_org=org, starts_at=AT,
                                 ends_at=None)  # fmt: skip
    assert (thawed.name, thawed.details()) == ("freeze.thawed", {
        "thaw_id": str(thaw), "for": str(org), "starts_at": AT.isoformat(), "ends_at": None,
    })  # fmt: skip
    look = events.OwnAccess(subject_id=subject, what="score.viewed", credential_id="c1",
                            inquiry_id=thaw, shown={"as_of": "2026-11-20"})  # fmt: skip
    assert (look.name, look.details()) == ("score.viewed", {
        "to": "subject", "credential_id": "c1", "inquiry_id": str(thaw), "as_of": "2026-11-20",
    })  # fmt: skip
    assert "channel" not in look.details()  # left out on the API, as it always was
    closed = events.FileClosed(subject_id=subject, by="subject", shred_due_at="2027-01-01")
    assert closed.details() == {"by": "subject", "shred_due_at": "2027-01-01"}
    key = events.ApiKeyIssued(org_id=org, key_id="k1", scopes=["pull"], by="cli")
    assert key.subject_id is None
    assert key.details() == {"org_id": str(org), "key_id": "k1", "scopes": ["pull"], "by": "cli"}


def _entries(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT event, entry FROM audit_log WHERE subject_id = %s ORDER BY entry_id",
                    (subject_id,))  # fmt: skip
        return cur.fetchall()


def test_a_published_event_is_logged_in_the_transaction_and_gone_with_its_rollback(
    pool: ConnectionPool,
) -> None:
    subject, freeze = uuid4(), uuid4()
    with pool.connection() as conn:
        with conn.transaction(force_rollback=True):
            published = events.publish(conn, events.FreezePlaced(subject_id=subject,
                                                                 freeze_id=freeze))  # fmt: skip
            [row] = _entries(conn, subject)  # visible before commit: same transaction
            assert trail.entry_id(published) > 0
        assert _entries(conn, subject) == []
        with conn.transaction():
            events.publish(conn, events.FreezePlaced(subject_id=subject, freeze_id=freeze))
        [kept] = _entries(conn, subject)
    assert kept["event"] == row["event"] == "freeze.placed"
    entry = kept["entry"]
    assert (entry["event"], entry["subject_id"], entry["freeze_id"]) == (
        "freeze.placed", str(subject), str(freeze),
    )  # fmt: skip
    assert set(entry) == {"event", "subject_id", "at", "freeze_id"}


def test_a_notice_is_written_by_its_handler_and_no_access_log_entry_is_added(
    pool: ConnectionPool, vault: Any
) -> None:
    from bureau.vault import Vault

    assert isinstance(vault, Vault)
    subject, notice = uuid4(), uuid4()
    with pool.connection() as conn, conn.transaction(force_rollback=True):
        open_file(conn, vault, subject)
        events.publish(conn, events.NoticeWritten(subject_id=subject, notice_id=notice,
                                                  kind="dispute-results", body={"title": "A"}))  # fmt: skip
        row = conn.execute("SELECT kind, body FROM notices WHERE notice_id = %s",
                           (notice,)).fetchone()  # fmt: skip
        assert row == {"kind": "dispute-results", "body": {"title": "A"}}
        assert _entries(conn, subject) == []


def test_a_handler_subscribes_in_one_line_and_receives_the_events_subclasses_too() -> None:
    bus = events.Bus()
    seen: list[events.Event] = []

    def outbox(event: events.ReportReleased) -> list[Write]:
        seen.append(event)
        return [Write("outbox_row", "INSERT INTO outbox (id) VALUES (%(id)s)",
                      {"id": event.report_id})]  # fmt: skip

    bus.subscribe(events.ReportReleased, outbox)
    fields: dict[str, Any] = {
        "subject_id": uuid4(), "to": None, "to_name": "Court", "purpose": "court-order",
        "scope": "full", "grant_id": None, "court_order_ref": "NY-1", "report_id": uuid4(),
        "inquiry_id": uuid4(), "basis": "court-order",
    }  # fmt: skip
    compelled = events.ReportCompelled(**fields)
    [write] = bus.writes(compelled)
    assert seen == [compelled] and write.params == {"id": fields["report_id"]}
    assert bus.writes(events.FreezePlaced(subject_id=uuid4(), freeze_id=uuid4())) == []
