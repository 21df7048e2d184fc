"""Ingest: valid records land, invalid ones are rejected and listed, subjects are matched by
blind index, a resend changes nothing, a newer cycle updates and history is kept."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import account, person, records
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, to_bytes
from bureau.furnishing.report import IngestReport
from bureau.vault import Vault
from tests.furnishing.conftest import enrolled, metro2_file

AS_OF = date(2026, 10, 31)


def _ingest(
    conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID, data: bytes
) -> IngestReport:
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(data))


def _file(accounts: list[dict[str, Any]], as_of: date = AS_OF) -> bytes:
    return metro2_file(accounts, as_of)


def _snapshot(conn: psycopg.Connection[Any], furnisher: UUID) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for table, query in {
        "tradelines": "SELECT t.*::text FROM tradelines t WHERE furnisher_id = %s ORDER BY 1",
        "reports": "SELECT r.*::text FROM tradeline_reports r JOIN tradelines t USING "
                   "(subject_id, tradeline_id) WHERE t.furnisher_id = %s ORDER BY 1",
        "identities": "SELECT i.*::text FROM identity_facts i WHERE source_org_id = %s "
                      "ORDER BY 1",
        "subjects": "SELECT count(*)::text FROM subjects WHERE %s IS NOT NULL",
    }.items():  # fmt: skip
        rows[table] = [r["t" if "t.*" in query else next(iter(r))] for r in
                       conn.execute(query, (furnisher,)).fetchall()]  # fmt: skip
    return rows


def _count(conn: psycopg.Connection[Any], query: str, *params: Any) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(next(iter(row.values())))


def test_a_valid_file_lands_whole_with_encrypted_identities(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    data = to_bytes(records(30, seed=11))
    report = _ingest(conn, vault, furnisher_id, data)
    assert (report.records, report.accepted, report.rejected) == (30, 30, 0)
    assert report.subjects_created == 30 and report.matched["new"] == 30
    assert report.tradelines == {"inserted": 30, "updated": 0, "deleted": 0, "reports": 30}
    assert report.file_problems == []
    assert (
        _count(conn, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s", furnisher_id) == 30
    )
    dump = " ".join(r["t"] for r in conn.execute(
        "SELECT i::text AS t FROM identity_facts i WHERE source_org_id = %s", (furnisher_id,)))  # fmt: skip
    first = next(i for i in records(1, seed=11) if i.kind == "base")
    assert first.main.raw("surname").strip().lower() not in dump.lower()
    assert first.main.raw("ssn") not in dump


def test_sending_the_same_file_twice_changes_nothing(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    data = to_bytes(records(12, seed=5))
    first = _ingest(conn, vault, furnisher_id, data)
    before = _snapshot(conn, furnisher_id)
    again = _ingest(conn, vault, furnisher_id, data)
    assert again.duplicate and again.batch_id == first.batch_id
    assert _snapshot(conn, furnisher_id) == before
    # the same records in other bytes (CRLF line ends) are not a digest duplicate, yet the
    # merge itself is idempotent: nothing is inserted, updated, or added to the history
    other_bytes = _ingest(conn, vault, furnisher_id, data.replace(b"\n", b"\r\n"))
    assert not other_bytes.duplicate
    assert other_bytes.tradelines == {"inserted": 0, "updated": 0, "deleted": 0, "reports": 0}
    assert other_bytes.subjects_created == 0 and other_bytes.matched["account"] == 12
    assert _snapshot(conn, furnisher_id)["tradelines"] == before["tradelines"]
    assert _snapshot(conn, furnisher_id)["reports"] == before["reports"]


def test_a_newer_cycle_updates_the_account_and_keeps_what_was_reported_before(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    rng = random.Random(3)
    october = account(rng, AS_OF, number=1)
    october.update(account_status="11", current_balance=500, amount_past_due=0)
    _ingest(conn, vault, furnisher_id, _file([october]))
    november = dict(october, date_account_information=date(2026, 11, 30), current_balance=350,
                    time_stamp=october["time_stamp"])  # fmt: skip
    report = _ingest(conn, vault, furnisher_id, _file([november], date(2026, 11, 30)))
    assert report.tradelines["updated"] == 1 and report.matched["account"] == 1
    row = conn.execute("SELECT current_balance, date_account_information FROM tradelines "
                       "WHERE furnisher_id = %s", (furnisher_id,)).fetchone()  # fmt: skip
    assert row == {"current_balance": 350, "date_account_information": date(2026, 11, 30)}
    history = conn.execute(
        "SELECT r.date_account_information AS d, r.reported->>'current_balance' AS b "
        "FROM tradeline_reports r JOIN tradelines t USING (subject_id, tradeline_id) "
        "WHERE t.furnisher_id = %s ORDER BY 1", (furnisher_id,)).fetchall()  # fmt: skip
    assert [(h["d"], h["b"]) for h in history] == [(AS_OF, "500"), (date(2026, 11, 30), "350")]
    # an older cycle arriving late is kept in the history but does not overwrite the account
    late = dict(october, current_balance=499)
    report = _ingest(conn, vault, furnisher_id, _file([late]))
    assert report.tradelines["updated"] == 0 and report.tradelines["reports"] == 1
    assert _count(conn, "SELECT current_balance FROM tradelines WHERE furnisher_id = %s",
                  furnisher_id) == 350  # fmt: skip


def test_invalid_records_are_rejected_and_listed_while_the_valid_ones_land(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    items = list(records(6, seed=9))
    for index, field in ((2, "account_status"), (5, "date_opened")):
        record = items[index]
        assert isinstance(record, Record)
        f = BASE[field]
        record.main.replace_text(
            record.main.text[: f.start - 1] + "~" * f.length + record.main.text[f.end :]
        )
    report = _ingest(conn, vault, furnisher_id, to_bytes(items))
    assert (report.records, report.accepted, report.rejected) == (6, 4, 2)
    assert [(r.record, {p.field for p in r.problems if p.rejects})
            for r in report.rejections] == [(3, {"account_status"}), (6, {"date_opened"})]  # fmt: skip
    assert (
        _count(conn, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s", furnisher_id) == 4
    )
    csv_text = report.rejections_csv()
    assert (
        csv_text.splitlines()[0]
        == "account,record,segment,field,start,end,offset,value,rule,reason,severity"
    )
    assert ",3,base,account_status,124,125," in csv_text


def test_records_of_another_furnisher_are_rejected(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    data = to_bytes(records(2, seed=1, furnisher="SOMEONEELSE"))
    report = _ingest(conn, vault, furnisher_id, data)
    assert report.accepted == 0 and report.rejected == 2
    assert report.rejections[0].problems[0].rule == "M2-I01"


def test_an_enrolled_subject_is_matched_by_national_id_and_birth_date(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    who = person(random.Random(21))
    subject_id = enrolled(conn, vault, who)
    report = _ingest(conn, vault, furnisher_id, _file([account(random.Random(1), AS_OF, who=who)]))
    assert report.matched["national_id+dob"] == 1 and report.subjects_created == 0
    assert _count(conn, "SELECT count(*) FROM tradelines WHERE subject_id = %s", subject_id) == 1


def test_without_a_national_id_name_birth_date_and_address_match(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    who = person(random.Random(22))
    first = _ingest(conn, vault, furnisher_id, _file([account(random.Random(1), AS_OF, who=who)]))
    assert first.subjects_created == 1
    no_ssn = dict(who, ssn=0)
    second = _ingest(conn, vault, furnisher_id,
                     _file([account(random.Random(2), AS_OF, who=no_ssn, number=2)]))  # fmt: skip
    assert second.matched["name+dob+address"] == 1 and second.subjects_created == 0


def test_the_same_new_person_twice_in_one_file_gets_one_file(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    who = person(random.Random(23))
    accounts = [account(random.Random(n), AS_OF, who=who, number=n) for n in range(3)]
    report = _ingest(conn, vault, furnisher_id, _file(accounts))
    assert report.subjects_created == 1 and report.accepted == 3


def test_delete_status_removes_the_account_from_the_file(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    values = account(random.Random(4), AS_OF, number=7)
    _ingest(conn, vault, furnisher_id, _file([values]))
    deletion = dict(values, account_status="DA", payment_rating="", amount_past_due=0,
                    date_first_delinquency=None)  # fmt: skip
    report = _ingest(conn, vault, furnisher_id, _file([deletion], date(2026, 11, 30)))
    assert report.tradelines["deleted"] == 1
    row = conn.execute("SELECT deleted_at, deleted_reason FROM tradelines WHERE furnisher_id = %s",
                       (furnisher_id,)).fetchone()  # fmt: skip
    assert row is not None and row["deleted_at"] is not None
    assert row["deleted_reason"] == "furnisher deleted the account"


def test_employment_segments_are_not_stored(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    values = account(random.Random(5), AS_OF)
    record = compose_record("base", values, [("N1", {"employer_name": "ACME"})])
    items = [i for i in records(0)]
    totals = Totals()
    totals.records = 1
    totals.add(record)
    data = to_bytes([items[0], record, compose_record("trailer", dict(totals.expected()))])
    report = _ingest(conn, vault, furnisher_id, data)
    assert report.accepted == 1 and report.not_stored == {"N1": 1}
    assert "acme" not in conn.execute("SELECT string_agg(r::text, ' ') AS t FROM tradeline_reports r"
                                      ).fetchone()["t"].lower()  # type: ignore[index]  # fmt: skip


@pytest.mark.parametrize("path", ["cfpb/m2_file_small.txt", "moov/unpacked_fixed_file.dat"])
def test_sample_files_are_ingested_without_a_crash(
    conn: psycopg.Connection[Any], vault: Vault, path: str
) -> None:
    from tests.furnishing.conftest import add_furnisher
    from tests.furnishing.samples import sample

    code = "FURNISHERID" if path.startswith("cfpb") else "6666666"
    org = add_furnisher(conn, code)
    report = _ingest(conn, vault, org, sample(path).read_bytes())
    assert report.records == report.accepted + report.rejected >= 1
    # the CFPB sample's trailer comes from a bigger file: its totals are reported, not fatal
    assert bool(report.file_problems) == path.startswith("cfpb")


def test_a_file_without_header_and_trailer_still_lands_with_file_problems_reported(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    items = list(records(3, seed=13))[1:-1]
    report = _ingest(conn, vault, furnisher_id, to_bytes(items))
    assert (report.accepted, report.rejected) == (3, 0)
    assert [p.rule for p in report.file_problems] == ["M2-S07", "M2-S08"]


def test_a_rejected_records_personal_data_is_returned_but_never_stored(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    items = list(records(3, seed=11))
    record = items[1]
    assert isinstance(record, Record)
    f = BASE["ssn"]
    bad_ssn = "12300678X"
    record.main.replace_text(record.main.text[: f.start - 1] + bad_ssn + record.main.text[f.end :])
    account_number = str(record.main.get("consumer_account_number"))
    report = _ingest(conn, vault, furnisher_id, to_bytes(items))
    assert report.rejected == 1
    assert bad_ssn in str(report.to_json())  # the furnisher is told exactly what was wrong
    row = conn.execute(
        "SELECT summary::text AS summary FROM furnish_batches WHERE batch_id = %s",
        (report.batch_id,),
    ).fetchone()
    assert row is not None
    stored = row["summary"]
    assert '"field": "ssn"' in stored and '"rule"' in stored  # where, and which rule
    assert bad_ssn not in stored and account_number not in stored


def _damaged(data: bytes, line: int, at: int, byte: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[line] = lines[line][:at] + byte + lines[line][at + 1 :]
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("at", "byte", "rule"),
    [(1, b"\xb2", "M2-F01"), (2, b"X", "M2-F01"), (4, b"7", "M2-F04"), (9, b"X", "M2-F01")],
    ids=["rdw-superscript", "rdw-letter", "processing-indicator", "time-stamp"],
)
def test_a_record_with_a_damaged_opening_is_rejected_naming_why_not_dropped(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, at: int, byte: bytes,
    rule: str,
) -> None:  # fmt: skip
    rng = random.Random(5)
    data = _damaged(_file([account(rng, AS_OF, number=n) for n in range(3)]), 2, at, byte)
    report = _ingest(conn, vault, furnisher_id, data)
    assert (report.records, report.accepted, report.rejected) == (3, 2, 1)
    assert (report.control, report.unreadable) == (2, 0)
    (rejection,) = report.rejections
    assert rejection.record == 3 and rule in {p.rule for p in rejection.problems}


def test_every_physical_record_is_counted_landed_rejected_or_unreadable(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    rng = random.Random(6)
    data = _file([account(rng, AS_OF, number=n) for n in range(4)])
    lines = data.split(b"\n")
    data = b"\n".join([*lines[:2], b"this line is no Metro 2 record", *lines[2:]])
    report = _ingest(conn, vault, furnisher_id, data)
    physical = sum(1 for line in data.split(b"\n") if line)
    assert report.records + report.control + report.unreadable == physical
    assert report.accepted + report.rejected == report.records == 4
    (gap,) = [p for p in report.file_problems if p.rule == "M2-S01"]
    assert gap.offset == len(lines[0]) + len(lines[1]) + 2


def test_an_account_reported_twice_in_one_file_is_refused_both_times(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    rng = random.Random(8)
    first, other, second = (account(rng, AS_OF, number=n) for n in (1, 2, 1))
    report = _ingest(conn, vault, furnisher_id, _file([first, other, second]))
    assert (report.accepted, report.rejected) == (1, 2)
    assert {r.record for r in report.rejections} == {2, 4}
    assert all(any(p.rule == "M2-S12" for p in r.problems) for r in report.rejections)
    assert _count(conn, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s",
                  furnisher_id) == 1  # fmt: skip


def test_an_upload_holding_no_metro2_record_is_refused_naming_why(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    from bureau.furnishing.ingest import NoMetro2Records

    with pytest.raises(NoMetro2Records) as refused:
        _ingest(conn, vault, furnisher_id, b"Dear bureau,\nplease find attached...\n")
    assert refused.value.field == "body" and "not a Metro 2 record" in refused.value.detail
    assert refused.value.status == 422
