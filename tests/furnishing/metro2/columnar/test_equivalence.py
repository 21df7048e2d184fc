"""The columnar validator reports exactly what the per-record validator reports: the same
problems (record, segment, field, positions, offset, value, rule, reason, severity) in the
same order, the same counters, and for ingest the same items. Checked over every sample file,
synthetic files, synthetic files with fields overwritten, and the fuzz suite's byte
mutations; and rule by rule, each declarative rule's column mask is the set of records the
record-by-record engine finds it on."""

from __future__ import annotations

import io
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.codes import TABLES
from bureau.furnishing.metro2.columnar.duplicates import duplicate_accounts
from bureau.furnishing.metro2.columnar.evaluate import Batch, Pairing, activity_column, rule_hits
from bureau.furnishing.metro2.columnar.fields import Segments
from bureau.furnishing.metro2.columnar.validate import SINGLE, ColumnarValidator
from bureau.furnishing.metro2.consistency import record_findings
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.parse import Reader, parse_bytes
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.validate import AccountKey, FileValidator, Problem
from bureau.furnishing.metro2.validate import duplicate_accounts as reference_duplicates
from bureau.furnishing.metro2.write import item_bytes
from tests.furnishing.metro2.test_fuzz import _edits, _inputs, _mutate

# the main suite runs a few; .ci/checks/metro2-columnar.sh runs FUZZ_EXAMPLES of each
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
SMALL_BLOCK = 1 << 12  # blocks end mid-file, between plain and irregular lines


Duplicates = dict[AccountKey, list[int]]
Found = tuple[list[Problem], tuple[int, int, int]]


def per_record(data: bytes, duplicates: Duplicates | None = None) -> Found:
    validator = FileValidator(duplicates)
    found = [p for item in Reader(io.BytesIO(data)) for p in validator.check(item)]
    found += validator.finish()
    return found, (validator.bases, validator.rejected_bases, validator.flagged_bases)


def columnar(data: bytes, block: int, duplicates: Duplicates | None = None) -> Found:
    validator = ColumnarValidator(duplicates, block=block)
    found = list(validator.problems(io.BytesIO(data))) + validator.finish()
    v = validator.file
    return found, (v.bases, v.rejected_bases, v.flagged_bases)


def assert_same(data: bytes) -> None:
    reference = parse_bytes(data)
    duplicates = duplicate_accounts(io.BytesIO(data), SMALL_BLOCK)
    assert duplicates == reference_duplicates(reference)
    expected = per_record(data)
    for block in (SMALL_BLOCK, 1 << 20):
        assert columnar(data, block) == expected
    # as ingest validates: every record of an account reported twice, the accounts known first
    assert columnar(data, SMALL_BLOCK, duplicates) == per_record(data, duplicates)
    validator = ColumnarValidator(block=SMALL_BLOCK)
    items = [item for item, _ in validator.items(io.BytesIO(data))]
    assert items == reference
    assert [(i.number, i.offset) for i in items] == [(i.number, i.offset) for i in reference]


def synthetic(n: int, seed: int) -> bytearray:
    return bytearray(b"".join(item_bytes(r) for r in records(n, seed=seed)))


def test_every_sample_file_gets_the_same_problems_both_ways() -> None:
    for data in _inputs():
        assert_same(data)


def test_an_account_reported_twice_is_found_both_ways() -> None:
    data = bytearray(synthetic(30, 5))
    data[427 * 9 : 427 * 10] = data[427 * 3 : 427 * 4]  # record 10 repeats record 4's account
    assert_same(bytes(data))
    assert len(duplicate_accounts(io.BytesIO(bytes(data)))) == 1


def test_a_clean_synthetic_file_is_clean_both_ways_and_takes_the_columnar_path() -> None:
    data = bytes(synthetic(400, 7))
    assert_same(data)
    validator = ColumnarValidator()
    assert list(validator.problems(io.BytesIO(data))) == []
    assert validator.plain == 400 and validator.explained == 0


# Values that make rules fire: codes of the coded fields, amounts, dates, blanks, damage.
_FIELDS = [f for f in BASE.fields if f.name not in ("record_descriptor_word",)]


@st.composite
def _overwrites(draw: st.DrawFn) -> list[tuple[int, str, str]]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        f = draw(st.sampled_from(_FIELDS))
        choices = [" " * f.length, "0" * f.length, "9" * f.length, "X" * f.length]
        if f.codes:
            choices += list(TABLES[f.codes])
        if f.type == "D":
            choices += ["01012020", "02292021", "12312099", "13012020", "01011890"]
        if f.type == "N":
            choices += ["1".zfill(f.length), "500".zfill(f.length), "000000000", "900000001"]
        if f.name == "terms_duration":
            choices += ["LOC", "REV", "001", "A1 "]
        value = draw(st.sampled_from(choices))
        out.append((draw(st.integers(0, 59)), f.name, value[: f.length].ljust(f.length)))
    return out


def _overwrite(data: bytearray, edits: list[tuple[int, str, str]]) -> bytes:
    out = bytearray(data)
    for index, name, value in edits:
        f = BASE[name]
        at = 427 * (index + 1) + f.start - 1  # after the header line
        out[at : at + f.length] = value.encode("latin-1")
    return bytes(out)


_SYNTHETIC = synthetic(60, 11)


@settings(max_examples=EXAMPLES // 2, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(edits=_overwrites())
def test_overwritten_fields_get_the_same_problems_and_rule_hits(
    edits: list[tuple[int, str, str]],
) -> None:
    data = _overwrite(_SYNTHETIC, edits)
    assert_same(data)
    bases = [i for i in parse_bytes(data) if isinstance(i, Record) and i.kind == "base"]
    header = next(i for i in parse_bytes(data) if isinstance(i, Record) and i.kind == "header")
    activity = header.main.get("activity_date")
    rows = np.frombuffer("".join(r.main.text for r in bases).encode("latin-1"), dtype=np.uint8)
    batch = Batch(Segments(BASE, rows.reshape(-1, 426)), {},
                  activity_column(activity, len(bases)))  # type: ignore[arg-type]  # fmt: skip
    hits = rule_hits(SINGLE, Pairing(batch))
    for rule in SINGLE:
        expected = [any(f.rule.id == rule.id for f in record_findings(r, activity))  # type: ignore[arg-type]
                    for r in bases]  # fmt: skip
        assert hits[rule.id].tolist() == expected, rule.id


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(which=st.integers(0, 1 << 10), edits=_edits())
def test_byte_mutations_get_the_same_problems_both_ways(
    which: int, edits: list[tuple[int, int, int]]
) -> None:
    inputs = [*_inputs(), bytes(_SYNTHETIC)]
    assert_same(_mutate(inputs[which % len(inputs)], edits))


def test_dates_near_the_end_of_the_calendar_are_validated_not_crashed_on() -> None:
    """A DOFD in year 9993 or later plus DOAI-DOFD-1's seven years falls after 9999, and an
    activity date in January of year 1 minus Status-PaymentAmount-1's 60 days before year 1:
    both engines compare them as days (no crash), and agree on every problem."""
    for dofd in ("01019993", "02299996", "12319999"):
        data = _overwrite(_SYNTHETIC, [(i, "date_first_delinquency", dofd) for i in range(3)])
        found = per_record(data)[0]
        assert not [p for p in found if p.rule == "M2-E68"]  # DOFD + 7 years is not in the past
        assert_same(data)
    early = bytearray(_SYNTHETIC)
    header_activity = 48 - 1  # the header's activity date, positions 48-55
    early[header_activity : header_activity + 8] = b"01010001"
    assert_same(bytes(early))
