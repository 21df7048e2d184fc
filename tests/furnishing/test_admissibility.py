"""The admissibility gate: JSON records with any field outside the financial categories the
live regime admits are refused, naming the field, and nothing from them is stored."""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.errors import Inadmissible
from bureau.furnishing import admissibility
from bureau.furnishing.ingest import admitted_categories, ingest_json
from bureau.furnishing.metro2.synthetic import account
from bureau.vault import Vault

AS_OF = date(2026, 10, 31)


def json_record(seed: int = 1, **extra: Any) -> dict[str, Any]:
    """A synthetic account as a JSON record: Metro 2 field names, ISO dates."""
    values = account(random.Random(seed), AS_OF, number=seed)
    for framing in ("processing_indicator", "time_stamp", "identification_number"):
        values.pop(framing)
    record = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    record.update(extra)
    return record


def _tradelines(conn: psycopg.Connection[Any], furnisher: UUID) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM tradelines WHERE furnisher_id = %s", (furnisher,)
    ).fetchone()
    assert row is not None
    return int(row["n"])


def test_the_live_regime_admits_only_financial_categories() -> None:
    admitted = admitted_categories()
    assert "tradeline" in admitted and "identity" in admitted
    assert "employment" not in admitted


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ("race", "Equal Credit Opportunity Act"),
        ("marital_status", "Equal Credit Opportunity Act"),
        ("religion", "Equal Credit Opportunity Act"),
        ("social_media_score", "non-financial behaviour"),
        ("traffic_violations", "non-financial behaviour"),
        ("employer_name", "employment data"),
        ("favourite_colour", "not a field of a furnished account"),
    ],
)
def test_a_record_with_an_inadmissible_field_is_refused_naming_it_and_nothing_is_stored(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, field: str, says: str
) -> None:
    records = [json_record(1), json_record(2, **{field: "x"})]
    with pytest.raises(Inadmissible) as excinfo:
        ingest_json(conn, vault, furnisher_id, records)
    assert excinfo.value.field == f"records[1].{field}"
    assert field in excinfo.value.detail and says in excinfo.value.detail
    assert "nothing was stored" in excinfo.value.detail
    assert _tradelines(conn, furnisher_id) == 0


def test_json_records_land_with_the_same_validation_as_metro2(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    bad = json_record(3, account_status="ZZ")
    report = ingest_json(conn, vault, furnisher_id, [json_record(1), json_record(2), bad])
    assert (report.accepted, report.rejected) == (2, 1)
    (rejection,) = report.rejections
    assert rejection.record == 2  # records[2], as every JSON path names it
    assert [(p.rule, p.field) for p in rejection.problems if p.rejects] == [
        ("M2-F03", "account_status")]  # fmt: skip
    assert rejection.problems[0].offset is None  # no file: positions are the Metro 2 field's
    assert _tradelines(conn, furnisher_id) == 2


def test_json_values_of_the_wrong_type_are_rejected_naming_the_field(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    report = ingest_json(conn, vault, furnisher_id, [json_record(1, date_opened="last spring"),
                                                      json_record(2, current_balance=-3)])  # fmt: skip
    assert [(r.record, r.problems[0].field) for r in report.rejections] == [
        (0, "date_opened"), (1, "current_balance")]  # fmt: skip
    assert "not a date" in report.rejections[0].problems[0].reason


def test_collections_may_name_the_original_creditor(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    record = json_record(4, portfolio_type="O", account_type="48", terms_duration="001",
                         credit_limit=0, original_creditor_name="CITY HOSPITAL",
                         creditor_classification="02",
                         date_first_delinquency="2025-06-01")  # fmt: skip
    report = ingest_json(conn, vault, furnisher_id, [record])
    assert report.accepted == 1, report.rejections
    row = conn.execute("SELECT original_creditor, is_collection FROM tradelines "
                       "WHERE furnisher_id = %s", (furnisher_id,)).fetchone()  # fmt: skip
    assert row == {"original_creditor": "CITY HOSPITAL", "is_collection": True}


def test_gate_checks_every_field_name_against_the_category_table() -> None:
    admitted = frozenset({"identity", "tradeline"})
    admissibility.check_record({"surname": "X", "current_balance": 1}, admitted)
    with pytest.raises(Inadmissible):
        admissibility.check_record({"original_creditor_name": "X"}, admitted)


def test_json_records_carry_account_details_new_numbers_and_associated_consumers(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    record = json_record(
        5, ecoa_code="2", purchased_sold_indicator="1", purchased_sold_name="NORTHWIND BANK",
        change_indicator="1", new_consumer_account_number="NEW-5",
        associated_consumers=[{"segment": "J1", "surname": "LEE", "first_name": "MARY",
                               "ecoa_code": "2"}],
    )  # fmt: skip
    report = ingest_json(conn, vault, furnisher_id, [record])
    assert report.accepted == 1 and report.associated == {"new": 1}, report.to_json()
    rows = conn.execute(
        "SELECT consumer_role, account_details->'K2'->>'purchased_sold_name' AS bought_from "
        "FROM tradelines WHERE furnisher_id = %s ORDER BY consumer_role <> 'base'",
        (furnisher_id,)).fetchall()  # fmt: skip
    assert [(r["consumer_role"], r["bought_from"]) for r in rows] == [
        ("base", "NORTHWIND BANK"), ("J1", "NORTHWIND BANK")]  # fmt: skip


def test_an_associated_consumers_fields_pass_the_same_gate(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    record = json_record(6, associated_consumers=[
        {"segment": "J1", "surname": "LEE", "first_name": "MARY", "ecoa_code": "2",
         "marital_status": "married"}])  # fmt: skip
    with pytest.raises(Inadmissible) as excinfo:
        ingest_json(conn, vault, furnisher_id, [record])
    assert excinfo.value.field == "records[0].associated_consumers[0].marital_status"
    assert _tradelines(conn, furnisher_id) == 0


def test_an_associated_consumer_without_its_segment_is_rejected_naming_the_field(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    record = json_record(7, associated_consumers=[{"surname": "LEE", "first_name": "MARY"}])
    report = ingest_json(conn, vault, furnisher_id, [record])
    assert report.rejected == 1
    assert report.rejections[0].problems[0].field == "associated_consumers"


def test_a_json_record_reports_every_value_it_cannot_express_not_the_first(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    record = json_record(9, current_balance=-3, date_opened="last spring", state="WYO")
    report = ingest_json(conn, vault, furnisher_id, [record])
    (rejection,) = report.rejections
    assert rejection.record == 0
    assert {p.field for p in rejection.problems} == {"current_balance", "date_opened", "state"}


def test_a_resent_rejected_batch_returns_its_rejections_again(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    batch = [json_record(21), json_record(22, account_status="ZZ")]
    first = ingest_json(conn, vault, furnisher_id, batch)
    again = ingest_json(conn, vault, furnisher_id, batch)
    assert again.duplicate and (again.accepted, again.rejected) == (1, 1)
    assert [(r.record, [(p.rule, p.field) for p in r.problems]) for r in again.rejections] == [
        (r.record, [(p.rule, p.field) for p in r.problems]) for r in first.rejections
    ]
    assert again.rejections[0].problems[0].rule == "M2-F03"


def test_a_json_record_is_named_by_its_index_in_records_in_every_answer(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID
) -> None:
    """Record numbers and field indexes count the same way: the record a 422 names as
    `records[2]` is record 2 in a rejection, in a finding for review and in every problem."""
    batch = [json_record(31), json_record(32, date_opened="last spring"),
             json_record(33, account_status="ZZ"), json_record(34, current_balance=0)]  # fmt: skip
    report = ingest_json(conn, vault, furnisher_id, batch)
    assert [r.record for r in report.rejections] == [1, 2]
    assert {p.record for r in report.rejections for p in r.problems} == {1, 2}
    assert [r.record for r in report.findings] == [3]  # a current card at zero: for review
    assert {p.record for p in report.findings[0].problems} == {3}
    with pytest.raises(Inadmissible) as excinfo:
        ingest_json(conn, vault, furnisher_id, [*batch[:2], json_record(35, religion="x")])
    assert excinfo.value.field == "records[2].religion" and "record 2:" in excinfo.value.detail
