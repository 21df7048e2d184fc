"""A furnisher's report about a consumer who closed their file: refused record by record, with
the rule named, and never turned into a second file for the same person
(bureau/subjects/erasure.py; the matching rules themselves are in test_ingest.py)."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.furnishing.export import export_records
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.records import Value
from bureau.furnishing.metro2.synthetic import account, person
from bureau.furnishing.report import IngestReport
from bureau.policy.regime import live_rules
from bureau.subjects import erasure
from bureau.vault import Vault
from tests.furnishing.conftest import co_borrower, metro2_file

AS_OF = date(2026, 10, 31)
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _ingest(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID,
            accounts: list[Any]) -> IngestReport:  # fmt: skip
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file(accounts, AS_OF)))


def _subject_of(conn: psycopg.Connection[Any], furnisher: UUID) -> UUID:
    row = conn.execute(
        "SELECT DISTINCT subject_id FROM tradelines WHERE furnisher_id = %s", (furnisher,)
    ).fetchone()
    assert row is not None
    return UUID(str(row["subject_id"]))


def _subjects(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) AS n FROM subjects").fetchone()
    assert row is not None
    return int(row["n"])


def test_furnisher_report_about_closed_subject_is_refused_not_a_new_file(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    who = person(random.Random(9201))
    known = account(random.Random(1), AS_OF, who=who, number=1)
    assert _ingest(conn, vault, furnisher_id, [known]).subjects_created == 1
    subject_id = _subject_of(conn, furnisher_id)
    erasure.close_file(conn, subject_id, NOW, live_rules().erasure, by="subject")
    before = _subjects(conn)

    # the known account (found by its number) and a new one (found by national id + birth date)
    balance = known["current_balance"]
    assert isinstance(balance, int)
    newer = dict(known, current_balance=balance + 1)
    fresh = account(random.Random(2), AS_OF, who=who, number=2)
    report = _ingest(conn, vault, furnisher_id, [newer, fresh])

    assert (report.records, report.accepted, report.rejected) == (2, 0, 2)
    assert report.subjects_created == 0 and _subjects(conn) == before
    assert [p.rule for r in report.rejections for p in r.problems] == ["FF-C01", "FF-C01"]
    assert {r.account for r in report.rejections} == {
        known["consumer_account_number"], fresh["consumer_account_number"]}  # fmt: skip
    assert "closed their file" in report.rejections[0].problems[0].reason
    row = conn.execute(
        "SELECT count(*) AS n FROM tradelines WHERE subject_id = %s", (subject_id,)
    ).fetchone()
    assert row is not None and row["n"] == 1  # nothing added to the closed file
    # the batch's stored summary names the rule, not the person
    assert "FF-C01" in str(report.summary()) and str(who["ssn"]) not in str(report.summary())


def test_other_consumers_in_the_same_file_still_land(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    who = person(random.Random(9202))
    _ingest(conn, vault, furnisher_id, [account(random.Random(1), AS_OF, who=who, number=1)])
    erasure.close_file(conn, _subject_of(conn, furnisher_id), NOW, live_rules().erasure,
                       by="subject")  # fmt: skip
    other = person(random.Random(9203))
    report = _ingest(conn, vault, furnisher_id, [
        account(random.Random(3), AS_OF, who=who, number=3),
        account(random.Random(4), AS_OF, who=other, number=4),
    ])  # fmt: skip
    assert (report.accepted, report.rejected, report.subjects_created) == (1, 1, 1)


def test_a_co_borrower_with_a_closed_file_is_left_off_the_account(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    kind, joint = co_borrower(9204)
    joint_person: dict[str, Value] = {k: joint[k] for k in ("surname", "first_name", "middle_name", "ssn",
                                          "date_of_birth", "telephone", "country_code",
                                          "address_line_1", "city", "state", "postal_code")
                    if k in joint}  # fmt: skip
    _ingest(conn, vault, furnisher_id,
            [account(random.Random(5), AS_OF, who=joint_person, number=5)])  # fmt: skip
    closed = _subject_of(conn, furnisher_id)
    erasure.close_file(conn, closed, NOW, live_rules().erasure, by="subject")
    base = person(random.Random(9205))
    report = _ingest(
        conn,
        vault,
        furnisher_id,
        [(account(random.Random(6), AS_OF, who=base, number=6), [(kind, joint)])],
    )
    assert (report.accepted, report.rejected) == (1, 0)
    assert report.associated.get("file-closed") == 1
    row = conn.execute(
        "SELECT count(*) AS n FROM tradelines WHERE subject_id = %s", (closed,)
    ).fetchone()
    assert row is not None and row["n"] == 1


def test_an_export_leaves_out_closed_and_shredded_files_without_breaking(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    people = [person(random.Random(seed)) for seed in (9206, 9207, 9208)]
    accounts = [account(random.Random(n), AS_OF, who=who, number=n)
                for n, who in enumerate(people, start=10)]  # fmt: skip
    _ingest(conn, vault, furnisher_id, accounts)
    rows = conn.execute(
        "SELECT subject_id FROM tradelines WHERE furnisher_id = %s ORDER BY subject_id",
        (furnisher_id,),
    ).fetchall()
    assert len(rows) == 3
    closed, shredded = rows[0]["subject_id"], rows[1]["subject_id"]
    rules = live_rules().erasure
    erasure.close_file(conn, closed, NOW, rules, by="subject")
    erasure.close_file(conn, shredded, NOW, rules, by="subject")
    erasure.shred_file(conn, vault, shredded, NOW, by="operator")

    exported = [r for r in export_records(conn, vault, furnisher_id, AS_OF)
                if r.kind == "base"]  # fmt: skip
    numbers = {r.main.raw("consumer_account_number").strip() for r in exported}
    assert len(numbers) == 1
    assert numbers < {str(a["consumer_account_number"]) for a in accounts}
