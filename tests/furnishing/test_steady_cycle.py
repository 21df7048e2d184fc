"""The monthly cycle: an account reported again unchanged (only its activity date and the
payment history's monthly shift moved) writes no tradeline update, and the history still
answers exactly what the furnisher reported for every period."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from bureau.db.batch import run
from bureau.file.assemble import assemble
from bureau.furnishing import repo
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.synthetic import account
from bureau.furnishing.report import IngestReport
from bureau.vault import Vault
from tests.furnishing.conftest import metro2_file

OCTOBER, NOVEMBER, DECEMBER, JANUARY = (
    date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 31),
)  # fmt: skip


def _send(
    conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID, values: dict[str, Any]
) -> IngestReport:
    as_of = values["date_account_information"]
    data = metro2_file([values], as_of)
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(data))


def _next(values: dict[str, Any], as_of: date, **changed: Any) -> dict[str, Any]:
    """The same account one cycle on: the profile moved one month, repeating its last rating."""
    history = str(values["payment_history_profile"])
    return dict(values, date_account_information=as_of,
                payment_history_profile=history[0] + history[:23], **changed)  # fmt: skip


def _tradeline(conn: psycopg.Connection[Any], furnisher: UUID) -> dict[str, Any]:
    row = conn.execute(
        "SELECT subject_id, tradeline_id, date_account_information, payment_history, "
        "current_balance, updated_at, xmin::text AS version FROM tradelines "
        "WHERE furnisher_id = %s",
        (furnisher,),
    ).fetchone()
    assert row is not None
    return row


def test_an_unchanged_account_writes_no_tradeline_update_yet_every_period_is_answered(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    october = account(random.Random(5), OCTOBER, number=1)
    october.update(account_status="11", current_balance=500, amount_past_due=0,
                   payment_history_profile="0" * 6 + "B" * 18)  # fmt: skip
    _send(conn, vault, furnisher_id, october)
    stored = _tradeline(conn, furnisher_id)

    november = _next(october, NOVEMBER)
    report = _send(conn, vault, furnisher_id, november)
    assert report.tradelines == {"inserted": 0, "updated": 0, "deleted": 0, "reports": 1,
                                 "unchanged": 1}  # fmt: skip
    assert _tradeline(conn, furnisher_id) == stored  # the row was not written at all

    subject, tradeline = stored["subject_id"], stored["tradeline_id"]
    said = repo.reported_for_period(conn, subject, tradeline, NOVEMBER)
    assert said is not None
    assert said["date_account_information"] == "2026-11-30"
    assert said["payment_history"] == "0" * 7 + "B" * 17
    assert said["current_balance"] == 500
    first = repo.reported_for_period(conn, subject, tradeline, OCTOBER)
    assert first is not None and first["payment_history"] == "0" * 6 + "B" * 18
    assert repo.reported_for_period(conn, subject, tradeline, date(2026, 11, 15)) is None

    # the file shows the account as last reported
    file = run(conn, assemble(vault, subject, _tradeline(conn, furnisher_id)["updated_at"]))
    (shown,) = file.tradelines
    assert shown.date_account_information == NOVEMBER
    assert shown.payment_history == "0" * 7 + "B" * 17

    # a change after unchanged periods updates the account; every period still answers
    december = _next(november, DECEMBER)
    _send(conn, vault, furnisher_id, december)
    january = _next(december, JANUARY, current_balance=420)
    report = _send(conn, vault, furnisher_id, january)
    assert report.tradelines["updated"] == 1 and "unchanged" not in report.tradelines
    after = _tradeline(conn, furnisher_id)
    assert (after["date_account_information"], after["current_balance"]) == (JANUARY, 420)
    assert after["payment_history"] == "0" * 9 + "B" * 15
    periods = {p: repo.reported_for_period(conn, subject, tradeline, p)
               for p in (OCTOBER, NOVEMBER, DECEMBER, JANUARY)}  # fmt: skip
    assert {p: (r or {}).get("payment_history") for p, r in periods.items()} == {
        OCTOBER: "0" * 6 + "B" * 18, NOVEMBER: "0" * 7 + "B" * 17,
        DECEMBER: "0" * 8 + "B" * 16, JANUARY: "0" * 9 + "B" * 15,
    }  # fmt: skip
    assert [(r or {}).get("current_balance") for r in periods.values()] == [500, 500, 500, 420]


def test_a_new_rating_or_any_other_value_is_a_change_not_an_unchanged_period(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    october = account(random.Random(6), OCTOBER, number=1)
    october.update(account_status="11", current_balance=500, amount_past_due=0,
                   payment_history_profile="0" * 24)  # fmt: skip
    _send(conn, vault, furnisher_id, october)
    late = dict(_next(october, NOVEMBER), payment_history_profile="1" + "0" * 23)
    report = _send(conn, vault, furnisher_id, late)
    assert report.tradelines["updated"] == 1 and "unchanged" not in report.tradelines
    row = _tradeline(conn, furnisher_id)
    assert (row["date_account_information"], row["payment_history"]) == (NOVEMBER, "1" + "0" * 23)


def test_an_older_cycle_arriving_after_an_unchanged_period_does_not_overwrite(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    october = account(random.Random(7), OCTOBER, number=1)
    october.update(account_status="11", current_balance=500, amount_past_due=0)
    _send(conn, vault, furnisher_id, october)
    _send(conn, vault, furnisher_id, _next(october, DECEMBER))  # unchanged
    november = _next(october, NOVEMBER, current_balance=300)  # an older cycle, sent late
    report = _send(conn, vault, furnisher_id, november)
    assert report.tradelines["updated"] == 0 and report.tradelines["reports"] == 1
    row = _tradeline(conn, furnisher_id)
    assert (row["date_account_information"], row["current_balance"]) == (OCTOBER, 500)
    said = repo.reported_for_period(conn, row["subject_id"], row["tradeline_id"], NOVEMBER)
    assert said is not None and said["current_balance"] == 300
    # the unchanged December still repeats October, not the late November
    said = repo.reported_for_period(conn, row["subject_id"], row["tradeline_id"], DECEMBER)
    assert said is not None and said["current_balance"] == 500
