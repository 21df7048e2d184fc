"""The monthly cycle's shortcut: a record whose bytes repeat the account's last report (apart
from the activity date, the time stamp and the payment history's monthly move) is recognised
before it is mapped, indexed or matched, and lands as the same unchanged period the full path
would write; anything that changed the account since sends the record down the full path."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.furnishing import ingest, repo, unchanged
from bureau.furnishing.accounts import record_from_stored
from bureau.furnishing.ingest import IngestContended, ingest_metro2
from bureau.furnishing.keying import Keyed
from bureau.furnishing.metro2.columnar.blocks import Plain
from bureau.furnishing.metro2.columnar.history import cycle_problems
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.synthetic import account
from bureau.furnishing.metro2.write import compose_record
from bureau.furnishing.report import IngestReport
from bureau.policy.regime import live_rules
from bureau.subjects import erasure
from bureau.vault import Vault
from tests.furnishing.conftest import Segments, metro2_file

OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)


def _send(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID,
          accounts: Sequence[dict[str, Any] | tuple[dict[str, Any], Segments]],
          as_of: date) -> IngestReport:  # fmt: skip
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file(accounts, as_of)))


def _next(values: dict[str, Any], as_of: date, **changed: Any) -> dict[str, Any]:
    history = str(values["payment_history_profile"])
    return dict(values, date_account_information=as_of,
                payment_history_profile=history[0] + history[:23], **changed)  # fmt: skip


def _steady(seed: int, number: int) -> dict[str, Any]:
    values = account(random.Random(seed), OCTOBER, number=number)
    values.update(account_status="11", current_balance=500, amount_past_due=0,
                  payment_history_profile="0" * 24)  # fmt: skip
    return values


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many accounts the full path keyed (mapped and blind-indexed) in each ingest call."""
    counts: list[int] = []
    real = ingest.keyed_accounts

    def counting(*args: Any) -> list[Keyed]:
        out = real(*args)
        counts.append(len(out))
        return out

    monkeypatch.setattr(ingest, "keyed_accounts", counting)
    yield counts


def _digests(conn: psycopg.Connection[Any], furnisher: UUID) -> list[bytes | None]:
    rows = conn.execute(
        "SELECT report_digest FROM tradelines WHERE furnisher_id = %s ORDER BY tradeline_id",
        (furnisher,),
    ).fetchall()
    return [None if r["report_digest"] is None else bytes(r["report_digest"]) for r in rows]


def test_an_unchanged_record_lands_as_its_period_without_being_matched_again(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, keyed: list[int]
) -> None:
    first = [_steady(1, 1), _steady(2, 2)]
    _send(conn, vault, furnisher_id, first, OCTOBER)
    assert keyed == [2]
    digests = _digests(conn, furnisher_id)
    assert len(digests) == 2 and all(d is not None and len(d) == 32 for d in digests)

    moved = [_next(first[0], NOVEMBER), _next(first[1], NOVEMBER, current_balance=420)]
    report = _send(conn, vault, furnisher_id, moved, NOVEMBER)
    assert keyed == [2, 1]  # only the changed balance went through matching
    assert report.accepted == 2 and report.matched["account"] == 2
    assert report.tradelines == {"inserted": 0, "updated": 1, "deleted": 0, "reports": 2,
                                 "unchanged": 1}  # fmt: skip
    row = conn.execute(
        "SELECT t.subject_id, t.tradeline_id FROM tradelines t WHERE t.furnisher_id = %s "
        "AND t.current_balance = 500", (furnisher_id,),
    ).fetchone()  # fmt: skip
    assert row is not None
    said = repo.reported_for_period(conn, row["subject_id"], row["tradeline_id"], NOVEMBER)
    assert said is not None and said["date_account_information"] == "2026-11-30"
    assert said["payment_history"] == "0" * 24 and said["current_balance"] == 500


def test_a_new_time_stamp_alone_does_not_stop_the_record_being_recognised(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, keyed: list[int]
) -> None:
    october = dict(_steady(3, 1), time_stamp=datetime(2026, 10, 31, 23, 0, 0))
    _send(conn, vault, furnisher_id, [october], OCTOBER)
    november = _next(october, NOVEMBER, time_stamp=datetime(2026, 11, 30, 22, 15, 5))
    report = _send(conn, vault, furnisher_id, [november], NOVEMBER)
    assert keyed == [1] and report.tradelines["unchanged"] == 1


def test_a_correction_sends_the_next_cycle_down_the_full_path(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, keyed: list[int]
) -> None:
    """A dispute's correction changed the account since the furnisher's last report: the
    record no longer repeats what the file holds, so it is matched and merged as before."""
    october = _steady(4, 1)
    _send(conn, vault, furnisher_id, [october], OCTOBER)
    (before,) = _digests(conn, furnisher_id)
    row = conn.execute("SELECT subject_id, tradeline_id FROM tradelines WHERE furnisher_id = %s",
                       (furnisher_id,)).fetchone()  # fmt: skip
    assert row is not None
    repo.correct_tradeline(conn, row["subject_id"], row["tradeline_id"], {"current_balance": 0})
    assert _digests(conn, furnisher_id) == [None]

    report = _send(conn, vault, furnisher_id, [_next(october, NOVEMBER)], NOVEMBER)
    assert keyed == [1, 1] and report.tradelines["updated"] == 1
    assert _digests(conn, furnisher_id) == [before]  # the report vouches for the row again


@pytest.mark.parametrize("undo", [
    lambda c, s, t: repo.delete_tradeline(c, s, t, "test", datetime.now()),
    lambda c, s, t: repo.set_compliance_condition(c, s, t, "XB"),
])  # fmt: skip
def test_whatever_else_changes_a_tradeline_clears_its_digest(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    undo: Callable[[psycopg.Connection[Any], UUID, UUID], None],
) -> None:  # fmt: skip
    _send(conn, vault, furnisher_id, [_steady(5, 1)], OCTOBER)
    row = conn.execute("SELECT subject_id, tradeline_id FROM tradelines WHERE furnisher_id = %s",
                       (furnisher_id,)).fetchone()  # fmt: skip
    assert row is not None
    undo(conn, row["subject_id"], row["tradeline_id"])
    assert _digests(conn, furnisher_id) == [None]


def test_an_account_changed_between_reading_and_merging_refuses_the_file(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Another transaction's correction landing while the file is read would otherwise be
    repeated over: the ingest is refused whole (409, send again) instead."""
    october = _steady(6, 1)
    _send(conn, vault, furnisher_id, [october], OCTOBER)
    real = repo.digests_held

    def then_corrected(c: psycopg.Connection[Any], *args: Any) -> list[dict[str, Any]]:
        rows = real(c, *args)
        c.execute("UPDATE tradelines SET report_digest = NULL")  # what correct_tradeline does
        return rows

    monkeypatch.setattr(repo, "digests_held", then_corrected)
    with pytest.raises(IngestContended) as refused:
        _send(conn, vault, furnisher_id, [_next(october, NOVEMBER)], NOVEMBER)
    assert refused.value.field == "records"


def test_associated_consumers_take_the_full_path(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, keyed: list[int]
) -> None:
    """A joint account writes a row per consumer: the merge decides it, as before."""
    joint = _steady(7, 1)
    partner: Segments = [("J1", {"surname": "LEE", "first_name": "ANN", "ecoa_code": "2"})]
    _send(conn, vault, furnisher_id, [(joint, partner)], OCTOBER)
    report = _send(conn, vault, furnisher_id, [(_next(joint, NOVEMBER), partner)], NOVEMBER)
    assert keyed == [2, 2]  # both consumers' rows matched again
    assert report.tradelines["unchanged"] == 2


def test_after_a_renumbering_the_rest_of_the_file_takes_the_full_path(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, keyed: list[int]
) -> None:
    """A record that renumbers an account changes a tradeline another record of the file may
    name, while the file is still being read: from it on, nothing is recognised early."""
    first = [_steady(8, 1), _steady(9, 2)]
    _send(conn, vault, furnisher_id, first, OCTOBER)
    renumbered: Segments = [("L1", {"change_indicator": 1,
                                    "new_consumer_account_number": "NEW-0042"})]  # fmt: skip
    report = _send(conn, vault, furnisher_id,
                   [(_next(first[0], NOVEMBER), renumbered), _next(first[1], NOVEMBER)],
                   NOVEMBER)  # fmt: skip
    assert keyed == [2, 2] and report.renumbered == 1
    assert report.tradelines["unchanged"] == 1  # the merge still finds the second unchanged


def test_cycle_rules_read_the_same_previous_report_either_way(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    """What the cycle-to-cycle rules find on a recognised record, against the previous
    report rebuilt from its own bytes, is what they find against the stored state."""
    rng = random.Random(2026)
    first = [account(rng, OCTOBER, number=i) for i in range(1, 301)]
    report = _send(conn, vault, furnisher_id, first, OCTOBER)
    kept = [v for v in first if v["consumer_account_number"] not in
            {r.account for r in report.rejections}]  # fmt: skip
    records = [compose_record("base", _next(v, DECEMBER)) for v in kept]  # a month skipped
    indexer = vault.blind_indexer()
    refs = indexer.indexes("account", [f"{furnisher_id}:{v['consumer_account_number']}"
                                       for v in kept])  # fmt: skip
    held = unchanged.held_by_ref(repo.digests_held(conn, furnisher_id, refs))
    stored = repo.previous_cycles(conn, furnisher_id, refs)
    digests = unchanged.report_digests(indexer, records)
    repeats = [unchanged.recognise(r, d, held.get(ref))
               for r, d, ref in zip(records, digests, refs, strict=True)]  # fmt: skip
    assert all(repeats), "every record repeats its account's report"
    fast = cycle_problems(records, [unchanged.previous_record(r) for r in repeats if r])
    full = cycle_problems(records, [record_from_stored(stored[ref]) for ref in refs])
    assert [[(p.rule, p.field) for p in found] for found in fast] == \
        [[(p.rule, p.field) for p in found] for found in full]  # fmt: skip
    assert sum(map(len, full)) > 0, "some rule finds something on these pairs"


def _state(conn: psycopg.Connection[Any], furnisher: UUID) -> dict[str, Any]:
    """What a cycle left in the file: every account's row and every report, ids aside."""
    accounts = conn.execute(
        "SELECT * FROM tradelines WHERE furnisher_id = %s ORDER BY tradeline_id", (furnisher,)
    ).fetchall()
    reports = conn.execute(
        "SELECT r.tradeline_id, r.date_account_information, r.revision, r.source, r.reported, "
        "r.repeats FROM tradeline_reports r JOIN tradelines t USING (subject_id, tradeline_id) "
        "WHERE t.furnisher_id = %s ORDER BY 1, 2, 3",
        (furnisher,),
    ).fetchall()
    return {"accounts": [{k: v for k, v in row.items() if k != "updated_at"} for row in accounts],
            "reports": reports}  # fmt: skip


def _summary(report: IngestReport) -> dict[str, Any]:
    return {"accepted": report.accepted, "rejected": report.rejected,
            "matched": report.matched, "tradelines": report.tradelines,
            "flagged": report.flagged,
            "findings": [(f.record, f.account, [(p.rule, p.field, p.value) for p in f.problems])
                         for f in report.findings]}  # fmt: skip


def test_the_shortcut_writes_what_the_full_path_writes(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A cycle of unchanged, moved, changed, late and skipped-month accounts, applied with the
    shortcut and again (from the same state) without it: the same rows, the same report."""
    rng = random.Random(31)
    first: list[dict[str, Any]] = [account(rng, OCTOBER, number=i) for i in range(1, 121)]
    # every tenth with an original creditor (K1): recognised record by record, not by rows
    k1: Segments = [("K1", {"original_creditor_name": "FIRST BANK", "creditor_classification": 2})]
    _send(conn, vault, furnisher_id, [(v, k1) if i % 10 == 0 else v for i, v in enumerate(first)],
          OCTOBER)  # fmt: skip
    second: list[dict[str, Any]] = []
    for values in first:
        draw = rng.random()
        as_of = DECEMBER if draw < 0.1 else NOVEMBER  # some skip a month
        moved = _next(values, as_of, time_stamp=datetime(2026, 12, 1, 9, 30))
        if 0.1 <= draw < 0.25:
            moved["current_balance"] = int(values["current_balance"]) + 7
        elif 0.25 <= draw < 0.3:
            moved["payment_history_profile"] = "1" + str(values["payment_history_profile"])[:23]
        elif 0.3 <= draw < 0.35:
            moved["date_account_information"] = date(2026, 9, 30)  # an older cycle, late
        second.append(moved)

    outcomes = []
    for shortcut in (True, False):
        with monkeypatch.context() as patched, conn.transaction(force_rollback=True):
            if not shortcut:
                patched.setattr(unchanged, "repeated_period", lambda *_: None)
            report = _send(conn, vault, furnisher_id,
                           [(v, k1) if i % 10 == 0 else v for i, v in enumerate(second)],
                           DECEMBER)  # fmt: skip
            outcomes.append((_summary(report), _state(conn, furnisher_id)))
    (fast, fast_state), (full, full_state) = outcomes
    assert fast["tradelines"]["unchanged"] > 50, "most records were recognised"
    assert fast == full
    assert fast_state == full_state


def test_a_plain_files_unchanged_rows_are_recognised_without_a_record_made(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    monkeypatch: pytest.MonkeyPatch, keyed: list[int],
) -> None:  # fmt: skip
    """A file of base segments alone is read by blocks of rows: an unchanged row that passed
    every check is counted, checked across cycles and staged from its bytes, with no record
    made of it and nothing keyed. (A row with a finding is explained, so made, as before.)"""
    first = [_steady(10 + i, i) for i in range(1, 9)]
    _send(conn, vault, furnisher_id, first, OCTOBER)
    data = metro2_file([_next(v, NOVEMBER) for v in first], NOVEMBER)
    with_findings = {i for block, flagged in ColumnarValidator().blocks(io.BytesIO(data))
                     if isinstance(block, Plain) for i in flagged}  # fmt: skip
    assert len(with_findings) < len(first)
    made: list[int] = []
    real = Plain.record

    def counting(block: Plain, i: int) -> Any:
        made.append(i)
        return real(block, i)

    monkeypatch.setattr(Plain, "record", counting)
    report = ingest_metro2(conn, vault, furnisher_id, io.BytesIO(data))
    assert set(made) == with_findings and keyed == [len(first)]
    assert report.tradelines["unchanged"] == len(first) and report.accepted == len(first)


def test_an_unchanged_record_about_a_closed_file_is_refused_as_before(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    """A closed file takes no data, an unchanged period included: the record is not
    recognised early, and the full path refuses it naming the rule."""
    october = _steady(11, 1)
    _send(conn, vault, furnisher_id, [october], OCTOBER)
    row = conn.execute("SELECT subject_id FROM tradelines WHERE furnisher_id = %s",
                       (furnisher_id,)).fetchone()  # fmt: skip
    assert row is not None
    erasure.close_file(conn, row["subject_id"], datetime.now(UTC), live_rules().erasure,
                       by="subject")  # fmt: skip
    report = _send(conn, vault, furnisher_id, [_next(october, NOVEMBER)], NOVEMBER)
    assert (report.accepted, report.rejected) == (0, 1)
    assert [p.rule for r in report.rejections for p in r.problems] == ["FF-C01"]
    assert "unchanged" not in report.tradelines


def test_a_new_accounts_record_does_not_wait_whole_for_the_cycle_rules(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Only a record whose account the furnisher reported before is kept whole until its batch
    is applied (the cycle-to-cycle rules compare it with that account): a new account's is
    not, so a file of new people holds no record per record in flight."""
    known = _steady(20, 1)
    _send(conn, vault, furnisher_id, [known], OCTOBER)
    waiting: list[list[int]] = []
    real = ingest._Ingest.apply

    def seen(self: Any, batch: list[Keyed]) -> None:
        waiting.append(sorted(self.queued_records))
        real(self, batch)

    monkeypatch.setattr(ingest._Ingest, "apply", seen)
    fresh = [_steady(21 + i, 2 + i) for i in range(6)]
    data = metro2_file([_next(known, NOVEMBER, current_balance=420), *fresh], NOVEMBER)
    explained = {int(block.numbers[i]) for block, flagged
                 in ColumnarValidator().blocks(io.BytesIO(data))
                 if isinstance(block, Plain) for i in flagged}  # fmt: skip
    report = ingest_metro2(conn, vault, furnisher_id, io.BytesIO(data))
    assert report.accepted == 7 and report.tradelines["inserted"] == 6
    # the known account's record (the file's first after its header), and the records a check
    # explained (read one by one, as before); none of the new accounts' clean rows
    assert waiting == [sorted({2} | explained)] and len(explained) < len(fresh)
