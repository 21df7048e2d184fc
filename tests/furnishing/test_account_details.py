"""K2, K3 and K4: who bought or sold the account, the mortgage's identification numbers, and
balloon or deferred payments are stored with the account, shown to the consumer in words, and
written back on export."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.db.batch import run
from bureau.file.assemble import assemble
from bureau.file.disclosure import disclosure
from bureau.furnishing.export import export_records
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import account
from bureau.furnishing.metro2.validate import validate_items
from bureau.vault import Vault
from tests.furnishing.conftest import Segments, metro2_file

OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)
SOLD_BALLOON_MORTGAGE: Segments = [
    ("K2", {"purchased_sold_indicator": 1, "purchased_sold_name": "NORTHWIND MORTGAGE CO"}),
    (
        "K3",
        {
            "agency_identifier": 1,
            "agency_account_number": "FNMA00012345",
            "mortgage_identification_number": "100012300000456789",
        },
    ),
    (
        "K4",
        {
            "specialized_payment_indicator": 1,
            "balloon_payment_due_date": date(2031, 6, 1),
            "balloon_payment_amount": 48000,
        },
    ),
]


def _mortgage() -> dict[str, Any]:
    values = account(random.Random(7), OCTOBER, number=70)
    values.update(portfolio_type="M", account_type="26", terms_duration="360",
                  account_status="11", amount_past_due=0, credit_limit=0,
                  current_balance=60000)  # fmt: skip
    return values


def _send(
    conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID, values: dict[str, Any],
    as_of: date, appended: Segments,
) -> None:  # fmt: skip
    data = metro2_file([(dict(values, date_account_information=as_of), appended)], as_of)
    report = ingest_metro2(conn, vault, furnisher, io.BytesIO(data))
    assert report.accepted == 1, report.to_json()
    assert not report.not_stored


def _stored(conn: psycopg.Connection[Any], furnisher: UUID) -> dict[str, Any]:
    row = conn.execute("SELECT subject_id, account_details FROM tradelines WHERE furnisher_id = %s",
                       (furnisher,)).fetchone()  # fmt: skip
    assert row is not None
    return dict(row)


def test_purchased_from_mortgage_and_balloon_details_are_kept_with_the_account(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _mortgage(), OCTOBER, SOLD_BALLOON_MORTGAGE)
    assert _stored(conn, furnisher_id)["account_details"] == {
        "K2": {"purchased_sold_indicator": "1", "purchased_sold_name": "NORTHWIND MORTGAGE CO"},
        "K3": {"agency_identifier": "01", "agency_account_number": "FNMA00012345",
               "mortgage_identification_number": "100012300000456789"},
        "K4": {"specialized_payment_indicator": "01", "deferred_payment_start_date": None,
               "balloon_payment_due_date": "2031-06-01", "balloon_payment_amount": 48000},
    }  # fmt: skip


def test_the_consumer_sees_the_details_in_words(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _mortgage(), OCTOBER, SOLD_BALLOON_MORTGAGE)
    subject_id = _stored(conn, furnisher_id)["subject_id"]
    [shown] = disclosure(run(conn, assemble(vault, subject_id, datetime.now(UTC))))["tradelines"]
    details = shown["account_details"]
    assert details["purchased_from_sold_to"]["purchased_sold_indicator_meaning"] == "Purchased from"
    assert details["purchased_from_sold_to"]["purchased_sold_name"] == "NORTHWIND MORTGAGE CO"
    assert details["mortgage"]["agency_identifier_meaning"] == "Fannie Mae"
    assert details["specialized_payment"]["specialized_payment_indicator_meaning"] == (
        "Balloon payment"
    )
    assert details["specialized_payment"]["balloon_payment_amount"] == 48000


def test_export_writes_the_details_back(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _mortgage(), OCTOBER, SOLD_BALLOON_MORTGAGE)
    exported = list(export_records(conn, vault, furnisher_id, OCTOBER))
    assert list(validate_items(exported)) == []
    [record] = [r for r in exported if isinstance(r, Record) and r.kind == "base"]
    sent = metro2_file([(_mortgage(), SOLD_BALLOON_MORTGAGE)], OCTOBER)
    for segment in record.appended:
        assert segment.text.encode() in sent, segment.kind
    assert [s.kind for s in record.appended] == ["K2", "K3", "K4"]


def test_a_k2_removal_leaves_no_purchased_from_detail_and_history_keeps_it(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    _send(conn, vault, furnisher_id, _mortgage(), OCTOBER, SOLD_BALLOON_MORTGAGE)
    removal: Segments = [("K2", {"purchased_sold_indicator": 9}), *SOLD_BALLOON_MORTGAGE[1:]]
    _send(conn, vault, furnisher_id, _mortgage(), NOVEMBER, removal)
    assert set(_stored(conn, furnisher_id)["account_details"]) == {"K3", "K4"}
    history = conn.execute(
        "SELECT r.reported->'account_details' ? 'K2' AS had_k2 FROM tradeline_reports r "
        "JOIN tradelines t USING (subject_id, tradeline_id) WHERE t.furnisher_id = %s "
        "ORDER BY r.date_account_information", (furnisher_id,)).fetchall()  # fmt: skip
    assert [h["had_k2"] for h in history] == [True, False]
