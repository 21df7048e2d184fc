"""Character set and structure: alphanumerics hold printable ASCII only (the byte and its
position named), appended segments come in CRRG order with the single ones once, a blank
placeholder segment is one problem, the base consumer has an SSN or a date of birth, one
account is reported once per file, and its DOAI falls in the header's reporting period."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import account
from bureau.furnishing.metro2.validate import Problem, check_record, validate_items
from bureau.furnishing.metro2.write import compose_record, compose_segment
from tests.furnishing.conftest import metro2_file

AS_OF = date(2026, 10, 31)
K1 = ("K1", {"original_creditor_name": "NORTHWIND BANK", "creditor_classification": 2})
K2 = ("K2", {"purchased_sold_indicator": 1, "purchased_sold_name": "HARBOR"})


def _base(appended: list[tuple[str, dict[str, Any]]] | None = None, **changes: Any) -> Record:
    values = account(random.Random(11), AS_OF)
    values.update(changes)
    return compose_record("base", values, appended or [])


def _rules(record: Record) -> list[tuple[str, str, str | None]]:
    return [(p.rule, p.segment, p.field) for p in check_record(record)]


def test_a_control_byte_in_a_name_is_named_with_its_byte_and_position() -> None:
    record = _base()
    text = record.main.text
    at = record.main.layout["surname"].start  # 1-based: the surname's second byte is at + 1
    record.main.replace_text(text[:at] + "\x07" + text[at + 1 :])
    (problem,) = check_record(record)
    assert (problem.rule, problem.field) == ("M2-F06", "surname")
    assert "0x07" in problem.reason and f"position {at + 1}" in problem.reason


def test_a_non_ascii_letter_is_outside_the_character_set() -> None:
    record = _base(surname="MÜLLER")
    assert ("M2-F06", "base", "surname") in _rules(record)


def test_appended_segments_out_of_crrg_order_are_reported() -> None:
    assert _rules(_base([K1, K2])) == []
    assert [r for r in _rules(_base([K2, K1])) if r[0] == "M2-S11"] == [("M2-S11", "K1", None)]


def test_a_second_k1_is_refused_where_the_crrg_allows_one() -> None:
    assert ("M2-S09", "K1", None) in _rules(_base([K1, K1]))


def test_a_blank_placeholder_segment_is_one_problem_not_one_per_field() -> None:
    record = _base([K1])
    blank = compose_segment("J2", {})
    record.segments.insert(1, blank)
    assert [r for r in _rules(record) if r[1] == "J2"] == [("M2-S10", "J2", None)]


def test_a_consumer_with_neither_ssn_nor_birth_date_is_reported() -> None:
    assert ("M2-F07", "base", "ssn") in _rules(_base(ssn=None, date_of_birth=None))
    assert _rules(_base(ssn=None)) == []


def _file_problems(accounts: list[dict[str, Any]], as_of: date = AS_OF) -> list[Problem]:
    return list(validate_items(parse_bytes(metro2_file(accounts, as_of))))


def test_one_account_twice_in_a_file_is_reported() -> None:
    rng = random.Random(3)
    first, second = account(rng, AS_OF, number=4), account(rng, AS_OF, number=4)
    (problem,) = _file_problems([first, second])
    assert (problem.rule, problem.record, problem.field) == ("M2-S12", 3, "consumer_account_number")
    assert "record 2" in problem.reason


def test_a_doai_outside_the_headers_reporting_period_is_reported() -> None:
    rng = random.Random(4)
    assert _file_problems([account(rng, AS_OF)], as_of=date(2026, 11, 30)) == []
    (late,) = _file_problems([account(rng, AS_OF)], as_of=date(2026, 10, 30))
    (stale,) = _file_problems([account(rng, AS_OF)], as_of=date(2027, 1, 5))
    assert late.rule == stale.rule == "M2-S13" and late.field == "date_account_information"
