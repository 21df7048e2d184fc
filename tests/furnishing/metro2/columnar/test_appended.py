"""Records with appended segments (J1, J2, K1-K4, L1, N1) take the columnar path too, with
exactly the problems, counters and items of the per-record validator: clean ones, ones whose
appended fields are overwritten, empty placeholders, segments out of order or twice, a record
descriptor word that does not say the record's length, and a segment cut short."""

from __future__ import annotations

import io
import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.layout import APPENDED
from bureau.furnishing.metro2.records import Value
from bureau.furnishing.metro2.synthetic import account, person
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, item_bytes
from tests.furnishing.metro2.columnar.test_equivalence import EXAMPLES, assert_same

AS_OF = date(2026, 10, 31)
Appended = list[tuple[str, dict[str, Value]]]


def _who(rng: random.Random, kind: str) -> dict[str, Value]:
    who = person(rng)
    fields = {k: v for k, v in who.items() if k in APPENDED[kind].by_name}
    return dict(fields, ecoa_code="2")


def _segments(rng: random.Random, index: int) -> Appended:
    """A mix: none, joint holders, original creditor, sale, mortgage ids, balloon, new
    number, a consumer's other address."""
    choice = index % 8
    if choice == 0:
        return []
    if choice == 1:
        return [("J1", _who(rng, "J1"))]
    if choice == 2:
        return [("J2", _who(rng, "J2")), ("J2", _who(rng, "J2"))]
    if choice == 3:
        return [("K1", {"original_creditor_name": "ACME BANK", "creditor_classification": 2})]
    if choice == 4:
        return [("K2", {"purchased_sold_indicator": 1, "purchased_sold_name": "NORTHWIND"}),
                ("K3", {"agency_identifier": 1, "agency_account_number": "FNMA00012345"})]  # fmt: skip
    if choice == 5:
        return [("K4", {"specialized_payment_indicator": 1,
                        "balloon_payment_due_date": date(2031, 6, 1),
                        "balloon_payment_amount": 1})]  # fmt: skip
    if choice == 6:
        return [("L1", {"change_indicator": 1, "new_consumer_account_number": f"N-{index}"})]
    return [("J1", _who(rng, "J1")), ("K1", {"original_creditor_name": "ACME",
                                             "creditor_classification": 2})]  # fmt: skip


def _file(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    header = compose_record("header", {"activity_date": AS_OF, "date_created": AS_OF,
                                       "reporter_name": "TEST", "reporter_address": "X"})  # fmt: skip
    out = [item_bytes(header)]
    totals = Totals()
    totals.records = 1
    for index in range(n):
        values = account(rng, AS_OF, number=index)
        segments = _segments(rng, index)
        if segments and segments[0][0] == "K4" and not values["current_balance"]:
            segments = []  # a balloon payment above a zero balance is a finding
        record = compose_record("base", values, segments)
        totals.add(record)
        out.append(item_bytes(record))
    out.append(item_bytes(compose_record("trailer", dict(totals.expected()))))
    return b"".join(out)


_DATA = _file(80, 3)
_LINES = _DATA.split(b"\n")


def test_clean_records_with_appended_segments_take_the_columnar_path() -> None:
    assert_same(_DATA)
    validator = ColumnarValidator()
    assert list(validator.problems(io.BytesIO(_DATA))) + validator.finish() == []
    assert validator.plain == 80 and validator.explained == 0


def _with_line(index: int, line: bytes) -> bytes:
    lines = list(_LINES)
    lines[index] = line
    return b"\n".join(lines)


@settings(max_examples=min(EXAMPLES // 3, 60), derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(record=st.integers(1, 80), at=st.integers(0, 400), value=st.sampled_from(
    [b" ", b"0", b"9", b"X", b"\x01", b"\xe9", b"  ", b"00000000", b"13012020", b"ZZ"]))  # fmt: skip
def test_overwritten_appended_fields_get_the_same_problems(
    record: int, at: int, value: bytes
) -> None:
    line = _LINES[record]
    position = 426 + at % max(len(line) - 426, 1)  # inside the appended segments, if any
    changed = line[:position] + value + line[position + len(value) :]
    assert_same(_with_line(record, changed[: len(line)]))


def test_placeholders_order_doubles_lengths_and_cut_segments_get_the_same_problems() -> None:
    k1 = _LINES[4]  # base + K1 (choice 3)
    joint = _LINES[8]  # base + J1 + K1 (choice 7)
    empty_k2 = b"K2" + b" " * (APPENDED["K2"].length - 2)
    cases = [
        k1 + empty_k2,  # an empty placeholder (and a record descriptor word now wrong)
        joint[:426] + joint[526:] + joint[426:526],  # K1 before J1
        k1 + k1[426:],  # K1 twice
        b"0999" + k1[4:],  # the record descriptor word says another length
        k1[:-5],  # K1 cut short at the line ending
        k1 + b"ZZ TAIL",  # unrecognised data after the last segment
        k1 + b"   ",  # blank padding
    ]
    for line in cases:
        assert_same(_with_line(4, line))
