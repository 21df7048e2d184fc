"""The investigator's duties: answer in time, correct the file at once, or lose the item."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.batch import run
from bureau.db.pool import transaction
from bureau.errors import InvalidInput
from bureau.file.assemble import assemble
from bureau.vault import Vault
from disputes import deadlines, repo, service
from disputes.errors import (
    CertificationRequired,
    NotYourItem,
    ReinvestigationPeriodOver,
    TransitionRefused,
)
from disputes.reinvestigation import (
    answer,
    case,
    find_frivolous,
    inbox,
    reinsert,
    run_deadlines,
)
from disputes.service import Filing
from disputes.views import DisputeNotice
from disputes.workflow import AnswerCode
from tests.disputes.conftest import T0, World


def on(day: date) -> datetime:
    return datetime.combine(day, time(6), UTC)


def file_account_dispute(conn: psycopg.Connection[Any], vault: Vault, world: World,
                         at: datetime = T0, **kw: Any) -> Any:  # fmt: skip
    filing = Filing("account", world.tradeline_id, kw.pop("reason", "inaccurate-balance"), **kw)
    return service.file_dispute(conn, vault, world.subject_id, filing, at)


def account(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World, at: datetime = T0
) -> Any:
    found = [t for t in run(conn, assemble(vault, world.subject_id, at)).tradelines
             if t.tradeline_id == world.tradeline_id]  # fmt: skip
    return found[0] if found else None


def subject_notices(
    conn: psycopg.Connection[dict[str, Any]], world: World, kind: str
) -> list[DisputeNotice]:
    return [n for n in repo.notices_to_subject(conn, world.subject_id) if n.kind == kind]


def test_the_furnisher_sees_the_item_as_reported_and_the_subjects_reason(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world, description="Balance was paid down.")
    [acdv] = inbox(conn, vault, world.furnisher_id, open_only=True, limit=200, cursor=None).items
    assert acdv["dispute_id"] == row.dispute_id
    assert acdv["item"]["account_number"] == world.account_number
    assert acdv["item"]["as_reported"]["current_balance"] == 1200
    assert acdv["reason"]["code"] == "inaccurate-balance"
    assert acdv["description"] == "Balance was paid down."
    assert acdv["due_on"] == date(2026, 12, 25)
    assert (
        inbox(conn, vault, world.other_furnisher_id, open_only=True, limit=200, cursor=None).items
        == []
    )


def test_a_verified_item_stays_and_the_subject_gets_the_results_notice(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    done = answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None,
                  on(date(2026, 12, 4)))  # fmt: skip
    assert (done.state, done.result) == ("closed", "verified")
    [notice] = subject_notices(conn, world, "dispute-results")
    assert notice.due_by == date(2026, 12, 11)  # 5 business days after Fri 4 Dec
    assert notice.body["outcome"] == "verified"
    assert any("statement of up to 100 words" in r for r in notice.body["rights"])
    assert account(conn, vault, world).current_balance == 1200
    assert account(conn, vault, world).compliance_condition == "XH"


def test_a_correction_changes_the_next_report_and_the_score_inputs_at_once(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    answer(
        conn,
        vault,
        world.furnisher_id,
        row.dispute_id,
        AnswerCode.MODIFIED,
        {"current_balance": 0, "amount_past_due": 0, "payment_history": "0" * 24},
        T0,
    )
    corrected = account(conn, vault, world)
    assert corrected.current_balance == 0
    assert corrected.payment_history == "0" * 24
    history = conn.execute(
        "SELECT source, revision, reported FROM tradeline_reports "
        "WHERE subject_id = %s AND tradeline_id = %s ORDER BY revision",
        (world.subject_id, world.tradeline_id),
    ).fetchall()
    assert [h["source"] for h in history] == ["sandbox", "dispute"]
    assert history[0]["reported"]["current_balance"] == 1200  # what was said stays on record
    assert history[1]["reported"]["current_balance"] == 0
    [notice] = subject_notices(conn, world, "dispute-results")
    assert notice.body["changes"]["current_balance"] == {"before": 1200, "after": 0}
    shown = {a["account"][-4:]: a for a in notice.body["file_now"]["accounts"]}
    assert shown[world.account_number[-4:]]["balance"] == 0


def test_a_deleted_answer_takes_the_item_off_every_later_report(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world, reason="not-mine")
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.NOT_THEIRS, None, T0)
    assert account(conn, vault, world) is None


def test_an_inquiry_found_unauthorised_disappears_from_the_file(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    inquiry_id = world.inquiries["recent-lender"]
    row = service.file_dispute(conn, vault, world.subject_id,
                               Filing("inquiry", inquiry_id, "not-authorised"), T0)  # fmt: skip
    assert row.furnisher_id == world.users["recent-lender"]
    answer(conn, vault, world.users["recent-lender"], row.dispute_id, AnswerCode.DELETED, None,
           T0)  # fmt: skip
    shown = [i.inquiry_id for i in run(conn, assemble(vault, world.subject_id, T0)).inquiries]
    assert inquiry_id not in shown


def test_a_furnisher_cannot_answer_a_dispute_about_another_furnishers_item(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    with pytest.raises(NotYourItem) as e:
        answer(conn, vault, world.other_furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    assert e.value.status == 403
    with pytest.raises(NotYourItem):
        case(conn, vault, world.other_furnisher_id, row.dispute_id)
    assert repo.dispute(conn, world.subject_id, row.dispute_id).state == "forwarded"  # type: ignore[union-attr]


def test_answering_a_closed_dispute_conflicts(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None, T0)
    with pytest.raises(TransitionRefused) as e:
        answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    assert e.value.status == 409


@pytest.mark.parametrize(
    ("code", "fields", "field"),
    [
        (AnswerCode.MODIFIED, {"favourite_colour": "red"}, "corrected_fields.favourite_colour"),
        (AnswerCode.MODIFIED, {"current_balance": -5}, "corrected_fields.current_balance"),
        (AnswerCode.MODIFIED, {"date_closed": "yesterday"}, "corrected_fields.date_closed"),
        (AnswerCode.MODIFIED, {"account_status": None}, "corrected_fields.account_status"),
        (AnswerCode.MODIFIED, {}, "corrected_fields"),
        # the Metro 2 field and consistency rules a furnished record meets
        (AnswerCode.MODIFIED, {"account_status": "ZZ"}, "corrected_fields.account_status"),
        # a delinquency with no date of first delinquency (M2-C03 rejects: the 7-year clock
        # could not run); CFPB evaluator hits alone are findings for review and do not refuse
        (AnswerCode.MODIFIED, {"account_status": "71"}, "corrected_fields.account_status"),
        (AnswerCode.VERIFIED, {"current_balance": 0}, "corrected_fields"),
    ],
)
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_changes(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World, code: AnswerCode,
    fields: dict[str, Any], field: str,
) -> None:  # fmt: skip
    row = file_account_dispute(conn, vault, world)
    with pytest.raises(InvalidInput) as e:
        answer(conn, vault, world.furnisher_id, row.dispute_id, code, fields, T0)
    assert e.value.field == field
    assert repo.dispute(conn, world.subject_id, row.dispute_id).state == "forwarded"  # type: ignore[union-attr]
    assert account(conn, vault, world).current_balance == 1200


def test_dispute_not_answered_in_30_days_deletes_item(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)  # Wed 25 Nov; due Fri 25 Dec (Christmas)
    for day in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27)):
        run_deadlines(conn, vault, on(day))
        assert account(conn, vault, world, on(day)) is not None, day
    summary = run_deadlines(conn, vault, on(date(2026, 12, 28)))  # Monday: first business day
    assert str(row.dispute_id) in [d["dispute_id"] for d in summary["deleted"]]
    assert account(conn, vault, world, on(date(2026, 12, 28))) is None
    done = repo.dispute(conn, world.subject_id, row.dispute_id)
    assert done is not None and (done.state, done.result) == ("closed", "deleted_unverified")
    [results] = subject_notices(conn, world, "dispute-results")
    assert results.due_by == date(2027, 1, 5)  # 5 business days, New Year's Day skipped
    [told] = repo.notices_to_org(conn, world.furnisher_id)
    assert told.kind == "dispute-deleted-unverified"


def test_the_deadline_job_is_idempotent(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    first = run_deadlines(conn, vault, on(date(2026, 12, 28)))
    second = run_deadlines(conn, vault, on(date(2026, 12, 28)))
    third = run_deadlines(conn, vault, on(date(2027, 2, 1)))
    assert str(row.dispute_id) in [d["dispute_id"] for d in first["deleted"]]
    for later in (second, third):
        assert str(row.dispute_id) not in [d["dispute_id"] for d in later["deleted"]]
    assert len(subject_notices(conn, world, "dispute-results")) == 1
    kinds = [e.kind for e in repo.events(conn, world.subject_id, row.dispute_id)]
    assert kinds == ["received", "forwarded", "deadline_passed", "results_notice_sent"]


def test_more_information_gives_the_furnisher_45_days_not_30(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    service.add_information(conn, vault, world.subject_id, row.dispute_id, "Bank letter.", [],
                            T0 + timedelta(days=3))  # fmt: skip
    run_deadlines(conn, vault, on(date(2026, 12, 28)))
    assert account(conn, vault, world) is not None
    verified = answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None,
                      on(date(2027, 1, 8)))  # day 44  # fmt: skip
    assert verified.result == "verified"


def test_an_extended_dispute_unanswered_is_deleted_after_45_days(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    service.add_information(conn, vault, world.subject_id, row.dispute_id, "More.", [], T0)
    run_deadlines(conn, vault, on(date(2027, 1, 9)))  # day 45, a Saturday
    assert account(conn, vault, world) is not None
    run_deadlines(conn, vault, on(date(2027, 1, 11)))  # Monday after
    assert account(conn, vault, world, on(date(2027, 1, 11))) is None


def test_a_verification_after_the_deadline_cannot_keep_the_item(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    with pytest.raises(ReinvestigationPeriodOver):
        answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None,
               on(date(2026, 12, 26)))  # fmt: skip
    run_deadlines(conn, vault, on(date(2026, 12, 28)))
    assert account(conn, vault, world, on(date(2026, 12, 28))) is None


def test_a_deleted_item_returns_only_with_certification_and_the_subject_is_told(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    run_deadlines(conn, vault, on(date(2026, 12, 28)))
    back_on = on(date(2027, 1, 14))  # Thursday; MLK Day is Monday 18 January
    with pytest.raises(CertificationRequired):
        reinsert(conn, vault, world.furnisher_id, row.dispute_id, False, "", back_on)
    with pytest.raises(NotYourItem):
        reinsert(conn, vault, world.other_furnisher_id, row.dispute_id, True, "x", back_on)
    assert account(conn, vault, world, back_on) is None
    done = reinsert(
        conn,
        vault,
        world.furnisher_id,
        row.dispute_id,
        True,
        "Certified complete and accurate by J. Smith, compliance officer",
        back_on,
    )
    assert done.state == "reinserted"
    assert account(conn, vault, world, back_on) is not None
    [notice] = subject_notices(conn, world, "dispute-reinsertion")
    assert notice.due_by == date(2027, 1, 22) == deadlines.reinsertion_notice_by(back_on.date())
    assert notice.body["furnisher"]["name"] == "Test Bank"
    assert notice.body["furnisher"]["phone"] == "8005550000"


def test_a_verified_item_cannot_be_reinserted(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None, T0)
    with pytest.raises(TransitionRefused):
        reinsert(conn, vault, world.furnisher_id, row.dispute_id, True, "certified", T0)


def test_items_no_organization_furnished_are_answered_by_the_operator(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(
        conn,
        vault,
        world.subject_id,
        Filing("bankruptcy", world.bankruptcy_id, "inaccurate-dates"),
        T0,
    )
    assert row.furnisher_id is None
    assert row.dispute_id in [
        c["dispute_id"]
        for c in inbox(conn, vault, None, open_only=True, limit=200, cursor=None).items
    ]
    with pytest.raises(NotYourItem):
        answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.DELETED, None, T0)
    done = answer(conn, vault, None, row.dispute_id, AnswerCode.MODIFIED,
                  {"date_disposition": "2019-08-01"}, T0)  # fmt: skip
    assert done.result == "modified"
    [b] = run(conn, assemble(vault, world.subject_id, T0)).bankruptcies
    assert b.date_disposition == date(2019, 8, 1)


def test_a_direct_dispute_runs_on_the_same_clock(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world, direct=True)
    assert row.direct and row.due_at == date(2026, 12, 25)
    [acdv] = inbox(conn, vault, world.furnisher_id, open_only=True, limit=200, cursor=None).items
    assert acdv["direct"] is True
    run_deadlines(conn, vault, on(date(2026, 12, 28)))
    assert account(conn, vault, world, on(date(2026, 12, 28))) is None


def test_concurrent_answers_to_one_dispute_exactly_one_wins(
    pool: ConnectionPool, vault: Vault, committed_world: World
) -> None:
    world = committed_world
    with transaction(pool) as conn:
        row = file_account_dispute(conn, vault, world)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def respond(code: AnswerCode) -> None:
        start.wait()
        try:
            with transaction(pool) as conn:
                answer(conn, vault, world.furnisher_id, row.dispute_id, code, None, T0)
            outcomes.append("won")
        except TransitionRefused:
            outcomes.append("409")

    threads = [threading.Thread(target=respond, args=(c,))
               for c in (AnswerCode.VERIFIED, AnswerCode.DELETED)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "won"]
    with transaction(pool) as conn:
        events = [e.kind for e in repo.events(conn, world.subject_id, row.dispute_id)]
    assert events.count("answered") == 1


def test_two_deadline_jobs_at_once_never_act_on_one_dispute_and_neither_waits(
    pool: ConnectionPool, database_url: str, vault: Vault, committed_world: World
) -> None:
    """The job holds every overdue dispute it found until it commits; a second job running
    meanwhile skips them (on Citus too, where each shard's disputes are locked apart)."""
    world = committed_world
    with transaction(pool) as conn:
        row = file_account_dispute(conn, vault, world)
    deadline = on(date(2026, 12, 28))
    mine = str(row.dispute_id)
    with (
        psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as first,
        psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as second,
    ):
        for job in (first, second):
            job.execute("SET TIME ZONE 'UTC'")
        second.execute("SET statement_timeout = '30s'")  # a wait fails the test, never hangs it
        with first.transaction(force_rollback=True):
            acted = run_deadlines(first, vault, deadline)
            with second.transaction(force_rollback=True):
                meanwhile = run_deadlines(second, vault, deadline)
        assert mine in [d["dispute_id"] for d in acted["deleted"]]
        assert mine not in [d["dispute_id"] for d in meanwhile["deleted"]]
        assert mine not in [f["dispute_id"] for f in meanwhile["failed"]]
        # the first job rolled back: its locks are gone and the next job acts on the dispute
        with second.transaction(force_rollback=True):
            later = run_deadlines(second, vault, deadline)
            assert mine in [d["dispute_id"] for d in later["deleted"]]
            done = repo.dispute(second, world.subject_id, row.dispute_id)
            assert done is not None and done.result == "deleted_unverified"


def test_a_furnisher_may_decline_a_direct_dispute_as_frivolous_with_reasons(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world, direct=True)
    assert account(conn, vault, world).compliance_condition == "XB"
    done = find_frivolous(
        conn,
        vault,
        world.furnisher_id,
        row.dispute_id,
        "no account details given",
        "the month you say was wrong",
        T0,
    )
    assert (done.state, done.result) == ("closed", "frivolous")
    [notice] = subject_notices(conn, world, "dispute-frivolous")
    assert "Why: no account details given" in notice.body["paragraphs"]
    assert account(conn, vault, world).compliance_condition is None  # its own code is back


def test_a_furnisher_cannot_decline_a_bureau_dispute_as_frivolous(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = file_account_dispute(conn, vault, world)
    with pytest.raises(TransitionRefused):
        find_frivolous(conn, vault, world.furnisher_id, row.dispute_id, "r", "n", T0)


def test_one_failing_dispute_does_not_roll_back_the_others_in_the_deadline_job(
    conn: psycopg.Connection, vault: Vault, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from disputes import reinvestigation

    broken = file_account_dispute(conn, vault, world)
    fine = service.file_dispute(conn, vault, world.subject_id, Filing(
        "account", world.second_tradeline_id, "inaccurate-balance"), T0)  # fmt: skip
    tell = reinvestigation._tell_furnisher

    def failing(c: psycopg.Connection, v: Vault, row: Any, now: datetime) -> str | None:
        if row.dispute_id == broken.dispute_id:
            raise RuntimeError("furnisher address unreadable")
        return tell(c, v, row, now)

    monkeypatch.setattr(reinvestigation, "_tell_furnisher", failing)
    summary = run_deadlines(conn, vault, on(date(2026, 12, 28)))
    mine = str(world.subject_id)  # other tests' committed disputes may be overdue too
    assert [d["dispute_id"] for d in summary["deleted"] if d["subject_id"] == mine] == [
        str(fine.dispute_id)
    ]
    [failure] = [f for f in summary["failed"] if f["subject_id"] == mine]
    assert failure["dispute_id"] == str(broken.dispute_id)
    assert "furnisher address unreadable" in failure["reason"]
    done = repo.dispute(conn, world.subject_id, fine.dispute_id)
    assert done is not None and (done.state, done.result) == ("closed", "deleted_unverified")
    # the failed one was rolled back to its savepoint whole: still open, item not marked deleted
    left = repo.dispute(conn, world.subject_id, broken.dispute_id)
    assert left is not None and left.state in {"received", "forwarded"} and left.result is None
    item = repo.item(conn, world.subject_id, "tradeline", world.tradeline_id)
    assert item is not None and item["deleted_at"] is None
    monkeypatch.setattr(reinvestigation, "_tell_furnisher", tell)
    again = run_deadlines(conn, vault, on(date(2026, 12, 29)))  # the next run picks it up
    assert [d["dispute_id"] for d in again["deleted"] if d["subject_id"] == mine] == [
        str(broken.dispute_id)
    ]
