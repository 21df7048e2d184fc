"""Validation reports every problem precisely (record, segment, field, positions, value, rule)
and nothing on a clean file."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.layout import BASE, LAYOUTS
from bureau.furnishing.metro2.parse import open_file, parse_bytes, read
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.rules import BY_ID, RULES
from bureau.furnishing.metro2.synthetic import account, records
from bureau.furnishing.metro2.validate import Problem, check_record, validate_items
from bureau.furnishing.metro2.write import compose_record, to_bytes
from tests.furnishing.samples import SAMPLES, sample, sample_id

AS_OF = date(2026, 10, 31)


def _problems(data: bytes) -> list[Problem]:
    return list(validate_items(parse_bytes(data)))


def _base(**changes: Any) -> Record:
    values = account(random.Random(7), AS_OF)
    values.update(changes)
    return compose_record("base", values)


def _rules(record: Record) -> set[tuple[str, str | None]]:
    return {(p.rule, p.field) for p in check_record(record)}


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30))
def test_synthetic_files_are_clean(seed: int, n: int) -> None:
    assert _problems(to_bytes(records(n, seed=seed))) == []


# Fields whose corruption makes the record unrecognisable rather than wrong (they mark where a
# base segment starts) are covered by the reader's tests.
_FRAMING = {"record_descriptor_word", "processing_indicator", "time_stamp"}
_CORRUPTIBLE = [f for f in BASE.fields if f.name not in _FRAMING and (f.type != "A" or f.codes)]


def _corrupt(text: str, f: Any) -> str:
    if f.type in "ND":
        return "X" + text[1:]
    return "~" * f.length


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 12),
    which=st.integers(0, 11),
    field=st.sampled_from(_CORRUPTIBLE),
)
def test_a_single_corrupted_field_is_reported_at_its_position_and_nothing_else_is_blamed(
    seed: int, n: int, which: int, field: Any
) -> None:
    items = list(records(n, seed=seed))
    target = 1 + which % n  # a base record (0 is the header)
    record = items[target]
    assert isinstance(record, Record)
    segment = record.main
    segment.replace_text(
        segment.text[: field.start - 1]
        + _corrupt(segment.raw(field.name), field)
        + segment.text[field.end :]
    )
    data = to_bytes(items)
    problems = _problems(data)

    offset = 427 * target + field.start - 1  # every record is one 426-byte line plus newline
    assert any(
        p.record == target + 1 and p.field == field.name and p.offset == offset
        and p.start == field.start and p.end == field.end
        and p.value == data[offset : offset + field.length].decode()
        for p in problems
    ), problems  # fmt: skip
    # the rest of the file is clean: only the corrupted record (and the trailer's totals) speak
    assert {p.record for p in problems if p.rule != "M2-T01"} == {target + 1}


@pytest.mark.parametrize(
    ("changes", "rule", "field"),
    [
        ({"account_status": "13", "payment_rating": "0", "current_balance": 50,
          "date_closed": AS_OF}, "M2-E04", "current_balance"),
        ({"account_status": "11", "amount_past_due": 30}, "M2-E01", "amount_past_due"),
        ({"account_status": "97", "original_charge_off": 900, "amount_past_due": 900},
         "M2-C03", "date_first_delinquency"),
        ({"account_status": "64", "original_charge_off": 900, "current_balance": 0,
          "date_closed": AS_OF}, "M2-C03", "date_first_delinquency"),
        ({"account_type": "48", "portfolio_type": "O", "terms_duration": "001",
          "credit_limit": 0}, "M2-C03", "date_first_delinquency"),
        ({"account_status": "71", "amount_past_due": 30,
          "date_first_delinquency": AS_OF + timedelta(days=3)}, "M2-C04", "date_first_delinquency"),
        ({"account_status": "78", "date_first_delinquency": AS_OF - timedelta(days=70)},
         "M2-E02", "amount_past_due"),
        ({"account_status": "11", "payment_rating": "1"}, "M2-C06", "payment_rating"),
        ({"account_status": "13", "date_closed": AS_OF, "current_balance": 0},
         "M2-C06", "payment_rating"),
        ({"account_status": "97", "date_first_delinquency": AS_OF - timedelta(days=200)},
         "M2-E15", "original_charge_off"),
        ({"date_opened": AS_OF + timedelta(days=1)}, "M2-C08", "date_opened"),
        ({"date_closed": date(1999, 1, 1)}, "M2-C09", "date_closed"),
        ({"account_status": "13", "payment_rating": "0", "current_balance": 0},
         "M2-E16", "date_closed"),
        ({"account_status": "61", "current_balance": 0}, "M2-C10", "date_closed"),
        ({"account_status": "63", "current_balance": 0}, "M2-C10", "date_closed"),
        ({"date_last_payment": AS_OF + timedelta(days=1)}, "M2-C11", "date_last_payment"),
        ({"portfolio_type": "R", "terms_duration": "REV", "credit_limit": 0, "highest_credit": 0},
         "M2-C12", "credit_limit"),
        ({"portfolio_type": "I", "terms_duration": "LOC"}, "M2-C13", "terms_duration"),
        ({"account_type": "48", "portfolio_type": "I", "terms_duration": "012"},
         "M2-C14", "portfolio_type"),
        ({"account_type": "0C", "portfolio_type": "O", "terms_duration": "001"},
         "M2-C15", "account_type"),
        ({"ssn": 666123456}, "M2-C16", "ssn"),
        ({"ssn": 123006789}, "M2-C16", "ssn"),
        ({"date_of_birth": AS_OF + timedelta(days=1)}, "M2-C17", "date_of_birth"),
        ({"account_status": "42"}, "M2-F03", "account_status"),
        ({"ecoa_code": "Q"}, "M2-F03", "ecoa_code"),
        ({"special_comment": "ZZ"}, "M2-F03", "special_comment"),
        ({"compliance_condition": "XZ"}, "M2-F03", "compliance_condition"),
        ({"consumer_information_indicator": "9Z"}, "M2-F03", "consumer_information_indicator"),
        ({"payment_history_profile": "0000Q" + "0" * 19}, "M2-F03", "payment_history_profile"),
        ({"consumer_account_number": ""}, "M2-F02", "consumer_account_number"),
        ({"terms_duration": "1Y"}, "M2-F05", "terms_duration"),
    ],
)  # fmt: skip
def test_each_inconsistency_is_reported_with_its_rule(
    changes: dict[str, Any], rule: str, field: str
) -> None:
    assert (rule, field) in _rules(_base(**changes))


def test_a_consistent_account_breaks_no_rule() -> None:
    assert check_record(_base()) == []


def test_appended_segment_rules_blame_the_segment() -> None:
    record = compose_record(
        "base",
        account(random.Random(3), AS_OF),
        [("J1", {"surname": "DOE", "first_name": "JO", "ecoa_code": "2", "ssn": 900112222}),
         ("K2", {"purchased_sold_indicator": 1}), ("L1", {"change_indicator": 3})],
    )  # fmt: skip
    found = {(p.segment, p.rule, p.field) for p in check_record(record)}
    assert ("J1", "M2-C16", "ssn") in found
    assert ("K2", "M2-C18", "purchased_sold_name") in found
    assert ("L1", "M2-C20", "new_consumer_account_number") in found
    assert ("L1", "M2-C22", "new_identification_number") in found
    j1 = next(p for p in check_record(record) if p.segment == "J1")
    assert j1.offset == 426 + LAYOUTS["J1"]["ssn"].start - 1


def test_trailer_totals_are_recomputed_and_each_mismatch_reported() -> None:
    items = list(records(4, seed=1))
    trailer = items[-1]
    assert isinstance(trailer, Record)
    f = LAYOUTS["trailer"]["total_base_records"]
    trailer.main.replace_text(
        trailer.main.text[: f.start - 1] + "000000009" + trailer.main.text[f.end :]
    )
    problems = _problems(to_bytes(items))
    assert [(p.rule, p.field, p.value) for p in problems] == [
        ("M2-T01", "total_base_records", "000000009")
    ]
    assert problems[0].reason == "trailer says 9, the file holds 4"


def test_missing_header_and_trailer_are_reported() -> None:
    items = list(records(2))[1:-1]
    rules = [p.rule for p in _problems(to_bytes(items))]
    assert rules == ["M2-S07", "M2-S08"]


def test_moov_sample_paid_collection_with_a_balance_is_flagged_at_the_balance() -> None:
    with open_file(sample("moov/unpacked_fixed_file.dat")) as stream:
        problems = list(validate_items(read(stream)))
    balance = next(p for p in problems if p.rule == "M2-E04")
    assert (balance.record, balance.segment, balance.field) == (2, "base", "current_balance")
    assert (balance.start, balance.end, balance.value) == (155, 163, "000002233")
    assert balance.offset == 470 + 154


def test_shifted_fields_and_unknown_tail_are_reported_in_the_cfpb_error_sample() -> None:
    with open_file(sample("cfpb/m2_file_small_with_error.txt")) as stream:
        problems = list(validate_items(read(stream)))
    record4 = {(p.rule, p.field) for p in problems if p.record == 4}
    assert ("M2-S03", None) in record4
    assert ("M2-F01", "date_opened") in record4
    assert ("M2-F03", "account_status") in record4


def test_garbage_input_is_reported_as_unreadable() -> None:
    problems = _problems(b"this is not a Metro 2 file\n" * 3)
    assert problems[0].rule == "M2-S01" and "not a Metro 2 record" in problems[0].reason
    assert problems[0].offset == 0


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_sample_validates_without_a_crash_and_locates_each_problem(path: Path) -> None:
    with open_file(path) as stream:
        size = len(stream.read())
    with open_file(path) as stream:
        problems = list(validate_items(read(stream)))
    for p in problems:
        assert p.rule in BY_ID
        assert p.offset is None or 0 <= p.offset <= size
        if p.field is not None:
            assert p.start is not None and p.end is not None
            assert LAYOUTS[p.segment][p.field].start == p.start


def test_rules_are_listed_once_with_what_they_check_and_why() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert all(rule.description and rule.why for rule in RULES)


def test_offsets_in_a_wrapped_file_point_at_the_bytes_in_the_file() -> None:
    data = sample("moov/base_segment.dat").read_bytes()
    problems = _problems(data)
    balance = next(p for p in problems if p.rule == "M2-E04")
    assert balance.offset is not None
    assert data[balance.offset : balance.offset + 6] == b"000002"  # the field runs on, wrapped
    wrapped = next(p for p in problems if p.rule == "M2-S06")
    assert wrapped.offset is not None and data[wrapped.offset : wrapped.offset + 1] == b"\n"


def test_consumer_information_indicator_z_is_a_bankruptcy_code_not_an_unknown_one() -> None:
    """Z (bankruptcy, chapter undesignated) is in the CRRG's A-Z list (reference/metro2.md)
    and in the CFPB's bankruptcy sets: it is no code error, and it needs its DOFD like the
    other bankruptcy indicators (Bankruptcy-DOFD-1)."""
    with_dofd = _base(consumer_information_indicator="Z",
                      date_first_delinquency=AS_OF - timedelta(days=90))  # fmt: skip
    assert ("M2-F03", "consumer_information_indicator") not in _rules(with_dofd)
    assert not any(rule == "M2-E65" for rule, _ in _rules(with_dofd))
    without = _base(consumer_information_indicator="Z", account_status="11")
    assert ("M2-E65", "date_first_delinquency") in _rules(without)
    assert ("M2-F03", "consumer_information_indicator") in _rules(
        _base(consumer_information_indicator="Y")
    )


def _with_text(record: Record, name: str, text: str) -> Record:
    f = record.main.layout[name]
    record.main.replace_text(record.main.text[: f.start - 1] + text + record.main.text[f.end :])
    return record


def test_a_garbled_amount_is_a_field_error_not_an_amount_not_reported() -> None:
    """`00020L000` as the original loan amount is rejected as unreadable (M2-F01); the CFPB's
    Type-HCOLA-1 ("reports no original loan amount") does not fire on top of it, while a
    zero-filled amount, which is "not reported", does."""
    loan = {"portfolio_type": "I", "account_type": "01", "terms_duration": "048"}
    garbled = _with_text(_base(**loan), "highest_credit", "00020L000")
    assert ("M2-F01", "highest_credit") in _rules(garbled)
    assert not any(rule == "M2-E29" for rule, _ in _rules(garbled))
    assert ("M2-E29", "highest_credit") in _rules(_base(**loan, highest_credit=0))


def test_a_negative_amount_is_below_zero_for_the_consistency_rules() -> None:
    """A negative amount cannot be written in Metro 2 (M2-F01), but it is a value: the CFPB's
    "<= 0" conditions read it as one (Status-APD-2 on a charge-off with -5 past due)."""
    record = _with_text(_base(account_status="97", original_charge_off=500,
                              date_first_delinquency=AS_OF - timedelta(days=200)),
                        "amount_past_due", "-00000005")  # fmt: skip
    assert {("M2-F01", "amount_past_due"), ("M2-E02", "amount_past_due")} <= _rules(record)


def test_a_finding_on_an_associated_consumer_names_the_value_it_read_there() -> None:
    """Bankruptcy-SMPA-1 reads the indicator of the base and of every J1/J2: when it is the
    J1 consumer who was discharged, the reason says so."""
    values = account(random.Random(7), AS_OF)
    values.update(account_status="97", scheduled_payment=0, original_charge_off=500,
                  amount_past_due=500, date_first_delinquency=AS_OF - timedelta(days=300),
                  consumer_information_indicator="")  # fmt: skip
    j1 = {"surname": "LEE", "first_name": "MARY", "ecoa_code": "2",
          "consumer_information_indicator": "E"}  # fmt: skip
    record = compose_record("base", values, [("J1", j1)])
    (finding,) = [p for p in check_record(record) if p.rule == "M2-E64"]
    assert "J1/J2 consumer_information_indicator='E'" in finding.reason
    assert "consumer_information_indicator=''" in finding.reason  # the base consumer's
