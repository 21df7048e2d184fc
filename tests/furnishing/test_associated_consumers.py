"""Associated consumers (J1, J2): a joint account reaches every consumer on it, each in their
own file with their own ECOA code, matched by the same blind-index rules as the base segment's
consumer; a resend changes nothing, and the export writes them back."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.db.batch import run
from bureau.file.assemble import assemble
from bureau.furnishing.export import export_records
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.records import Record, Value
from bureau.furnishing.metro2.synthetic import account, person
from bureau.furnishing.metro2.validate import validate_items
from bureau.furnishing.metro2.write import to_bytes
from bureau.furnishing.report import IngestReport
from bureau.vault import Vault
from tests.furnishing.conftest import Segments, co_borrower, enrolled, metro2_file

OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)


def _authorized_user(ecoa: str = "3") -> tuple[str, dict[str, Value]]:
    """A J1 segment: an authorized user at the base consumer's address, known only by name."""
    return "J1", {"surname": "LEE", "first_name": "MARY", "middle_name": "ANN", "ecoa_code": ecoa}


def _joint(number: int = 80) -> dict[str, Any]:
    values = account(random.Random(number), OCTOBER, number=number)
    values.update(ecoa_code="2", account_status="11", amount_past_due=0)
    return values


def _send(
    conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID, values: dict[str, Any],
    appended: Segments, as_of: date = OCTOBER, crlf: bool = False,
) -> IngestReport:  # fmt: skip
    data = metro2_file([(dict(values, date_account_information=as_of), appended)], as_of)
    report = ingest_metro2(conn, vault, furnisher, io.BytesIO(data.replace(b"\n", b"\r\n") if crlf else data))  # fmt: skip
    assert report.accepted == 1 and not report.not_stored, report.to_json()
    return report


def _rows(conn: psycopg.Connection[Any], furnisher: UUID) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT subject_id, tradeline_id, account_ref, consumer_role, ecoa_code, current_balance, "
        "deleted_at IS NOT NULL AS deleted FROM tradelines WHERE furnisher_id = %s "
        "ORDER BY consumer_role <> 'base', consumer_role, subject_id", (furnisher,)).fetchall()  # fmt: skip


def test_a_joint_account_reaches_the_associated_consumers_own_file(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    report = _send(conn, vault, furnisher_id, _joint(), [co_borrower(81)])
    assert report.subjects_created == 2 and report.associated == {"new": 1}
    primary, joint = _rows(conn, furnisher_id)
    assert (primary["consumer_role"], primary["ecoa_code"]) == ("base", "2")
    assert (joint["consumer_role"], joint["ecoa_code"]) == ("J2", "2")
    assert joint["subject_id"] != primary["subject_id"]
    assert joint["account_ref"] == primary["account_ref"]  # one account, two files
    [held] = run(conn, assemble(vault, joint["subject_id"], datetime.now(UTC))).tradelines
    assert held.ecoa_code == "2" and held.account_number == "ACCT0000000080"
    co = person(random.Random(81))
    assert conn.execute(
        "SELECT 1 FROM identity_facts WHERE subject_id = %s AND kind = 'national_id' "
        "AND value_bidx = %s", (joint["subject_id"], vault.blind_index("national_id", str(co["ssn"])))
    ).fetchone()  # fmt: skip


def test_an_enrolled_associated_consumer_is_matched_by_national_id_and_birth_date(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    co = person(random.Random(82))
    subject_id = enrolled(conn, vault, co)
    report = _send(conn, vault, furnisher_id, _joint(), [co_borrower(82)])
    assert report.associated == {"national_id+dob": 1} and report.subjects_created == 1
    assert [r["subject_id"] for r in _rows(conn, furnisher_id) if r["consumer_role"] == "J2"] == [
        subject_id
    ]


def test_sending_the_joint_account_again_changes_nothing(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    appended = [_authorized_user(), co_borrower(83)]
    _send(conn, vault, furnisher_id, _joint(), appended)
    before = _rows(conn, furnisher_id)
    assert len(before) == 3
    # other bytes, same records: the authorized user (no national id, no birth date) is known
    # again on the account by name, the co-borrower by the account too
    again = _send(conn, vault, furnisher_id, _joint(), appended, crlf=True)
    assert again.associated == {"account": 2} and again.subjects_created == 0
    assert again.tradelines == {"inserted": 0, "updated": 0, "deleted": 0, "reports": 0}
    assert _rows(conn, furnisher_id) == before


def test_a_newer_cycle_updates_every_consumers_row_of_the_account(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _joint(), [co_borrower(84)])
    report = _send(conn, vault, furnisher_id, dict(_joint(), current_balance=123),
                   [co_borrower(84)], NOVEMBER)  # fmt: skip
    assert report.tradelines["updated"] == 2 and report.tradelines["reports"] == 2
    assert [r["current_balance"] for r in _rows(conn, furnisher_id)] == [123, 123]


def test_ecoa_z_takes_the_associated_consumer_off_the_account(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _joint(), [co_borrower(85)])
    report = _send(conn, vault, furnisher_id, _joint(), [co_borrower(85, ecoa="Z")], NOVEMBER)
    assert report.tradelines["deleted"] == 1
    assert [(r["consumer_role"], r["deleted"]) for r in _rows(conn, furnisher_id)] == [
        ("base", False), ("J2", True)
    ]  # fmt: skip


def test_the_export_writes_the_associated_consumers_back(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    sent = [_authorized_user(), co_borrower(86)]
    _send(conn, vault, furnisher_id, _joint(), sent)
    exported = list(export_records(conn, vault, furnisher_id, OCTOBER))
    assert list(validate_items(exported)) == []
    [record] = [r for r in exported if isinstance(r, Record) and r.kind == "base"]
    assert [s.kind for s in record.appended] == ["J1", "J2"]
    j1, j2 = record.appended
    assert (j1.get("surname"), j1.get("ecoa_code")) == ("LEE", "3")
    co = sent[1][1]
    for name in (
        "surname",
        "ssn",
        "date_of_birth",
        "ecoa_code",
        "address_line_1",
        "city",
        "state",
        "postal_code",
    ):
        assert j2.get(name) == co.get(name), name
    # furnished again, the exported file finds the same consumers on the same account
    again = ingest_metro2(conn, vault, furnisher_id, io.BytesIO(to_bytes(exported)))
    assert again.matched == {"account": 1, "national_id+dob": 0, "name+dob+address": 0, "new": 0}
    assert again.associated == {"account": 2} and again.subjects_created == 0
    assert again.tradelines == {"inserted": 0, "updated": 0, "deleted": 0, "reports": 0}


def test_a_new_account_number_renumbers_every_consumers_row_of_the_account(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _joint(), [co_borrower(87)])
    before = _rows(conn, furnisher_id)
    change: tuple[str, dict[str, Value]] = (
        "L1",
        {"change_indicator": 1, "new_consumer_account_number": "JOINT-0087"},
    )
    report = _send(conn, vault, furnisher_id, _joint(), [co_borrower(87), change], NOVEMBER)
    assert report.renumbered == 2 and report.tradelines["inserted"] == 0
    after = _rows(conn, furnisher_id)
    assert [r["tradeline_id"] for r in after] == [r["tradeline_id"] for r in before]
    assert after[0]["account_ref"] == after[1]["account_ref"] != before[0]["account_ref"]
    [held] = run(conn, assemble(vault, after[1]["subject_id"], datetime.now(UTC))).tradelines
    assert held.account_number == "JOINT-0087"
