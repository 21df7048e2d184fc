"""An account's number changes (L1): the same account carries on under its new number, with
its history; it is never split into a new account."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.synthetic import account
from bureau.furnishing.report import IngestReport
from bureau.vault import Vault
from tests.furnishing.conftest import Segments, metro2_file

OCTOBER, NOVEMBER, DECEMBER = date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)


def _send(
    conn: psycopg.Connection[Any],
    vault: Vault,
    furnisher: UUID,
    values: dict[str, Any],
    as_of: date,
    appended: Segments = (),
) -> IngestReport:
    cycle = dict(values, date_account_information=as_of)
    return ingest_metro2(
        conn, vault, furnisher, io.BytesIO(metro2_file([(cycle, appended)], as_of))
    )


def _accounts(
    conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID
) -> list[tuple[Any, ...]]:
    """(tradeline id, account number in clear, balance, history rows) of the furnisher's accounts."""
    rows = conn.execute(
        "SELECT t.subject_id, t.tradeline_id, t.account_number_ct, t.current_balance, "
        "(SELECT count(*) FROM tradeline_reports r WHERE r.subject_id = t.subject_id "
        " AND r.tradeline_id = t.tradeline_id) AS reports "
        "FROM tradelines t WHERE t.furnisher_id = %s ORDER BY t.created_at", (furnisher,)
    ).fetchall()  # fmt: skip
    return [
        (r["tradeline_id"],
         vault.cipher_for(conn, r["subject_id"]).decrypt("account", bytes(r["account_number_ct"])),
         r["current_balance"], r["reports"])
        for r in rows
    ]  # fmt: skip


def _open_account(number: int) -> dict[str, Any]:
    values = account(random.Random(number), OCTOBER, number=number)
    values.update(account_status="11", current_balance=900, amount_past_due=0)
    return values


NEW_NUMBER: Segments = [("L1", {"change_indicator": 1, "new_consumer_account_number": "NEW-0042"})]


def test_a_new_account_number_continues_the_same_account_with_its_history(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    values = _open_account(42)
    _send(conn, vault, furnisher_id, values, OCTOBER)
    [(tradeline, number, _, _)] = _accounts(conn, vault, furnisher_id)
    assert number == "ACCT0000000042"
    # the month of the change: the base still names the previous number, L1 the new one
    report = _send(conn, vault, furnisher_id, dict(values, current_balance=800), NOVEMBER,
                   NEW_NUMBER)  # fmt: skip
    assert report.renumbered == 1 and report.matched["account"] == 1
    assert report.subjects_created == 0 and "L1" not in report.not_stored
    assert _accounts(conn, vault, furnisher_id) == [(tradeline, "NEW-0042", 800, 2)]
    # from then on the account is reported under its new number
    december = dict(values, consumer_account_number="NEW-0042", current_balance=700)
    report = _send(conn, vault, furnisher_id, december, DECEMBER)
    assert report.matched["account"] == 1 and report.tradelines["inserted"] == 0
    assert _accounts(conn, vault, furnisher_id) == [(tradeline, "NEW-0042", 700, 3)]


def test_the_change_sent_again_changes_nothing(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    values = _open_account(43)
    _send(conn, vault, furnisher_id, values, OCTOBER)
    _send(conn, vault, furnisher_id, values, NOVEMBER, NEW_NUMBER)
    before = _accounts(conn, vault, furnisher_id)
    # the same records in other bytes: the previous number is gone, the new one is found
    cycle = dict(values, date_account_information=NOVEMBER)
    data = metro2_file([(cycle, NEW_NUMBER)], NOVEMBER).replace(b"\n", b"\r\n")
    again = ingest_metro2(conn, vault, furnisher_id, io.BytesIO(data))
    assert not again.duplicate and again.renumbered == 0
    assert again.tradelines == {"inserted": 0, "updated": 0, "deleted": 0, "reports": 0}
    assert _accounts(conn, vault, furnisher_id) == before


def test_an_account_first_reported_with_a_change_is_stored_under_its_new_number(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    report = _send(conn, vault, furnisher_id, _open_account(44), OCTOBER, NEW_NUMBER)
    assert report.tradelines["inserted"] == 1 and report.renumbered == 0
    assert [a[1] for a in _accounts(conn, vault, furnisher_id)] == ["NEW-0042"]


def test_an_identification_number_change_is_reported_as_not_applied(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    change: Segments = [
        ("L1", {"change_indicator": 2, "new_identification_number": "OTHERFURNISHER"})
    ]
    report = _send(conn, vault, furnisher_id, _open_account(45), OCTOBER, change)
    assert report.accepted == 1 and report.not_stored == {"L1": 1}
    assert [a[1] for a in _accounts(conn, vault, furnisher_id)] == ["ACCT0000000045"]
