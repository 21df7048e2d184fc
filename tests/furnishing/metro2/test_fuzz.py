"""No input crashes the reader, the validator or the mapping to stored accounts, and every
byte is accounted for: byte mutations of every sample file (and moov-io's go-fuzz crashers)
come back byte for byte, each physical record is a record or an unreadable stretch with its
offset and reason, and a mutation that leaves the line breaks alone neither invents nor
swallows a record of a one-record-per-line file.

The seed is fixed (derandomize), so CI runs the same inputs every time. The main suite runs
FUZZ_EXAMPLES (default 400); `.ci/checks/metro2-fuzz.sh` runs 5,000 under a 3-minute cap.
"""

from __future__ import annotations

import os
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.furnishing.accounts import account_from_record, associated_accounts
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Gap, Item, Record
from bureau.furnishing.metro2.rules import BY_ID
from bureau.furnishing.metro2.validate import FileValidator
from bureau.furnishing.metro2.write import to_bytes
from tests.furnishing.samples import DATA, SAMPLES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
CRASHERS = sorted(p for p in (DATA / "moov" / "crashers").iterdir() if p.suffix != ".output")
# bytes that break framing most often: digits, record identifiers' letters, blanks, control
# bytes, a Latin-1 superscript digit (passes str.isdigit), non-ASCII, line breaks
_INTERESTING = b"0123456789 HEADERTRAILERJKLN\x00\x01\x7f\xb2\xb9\xe9\xff\r\n"


@cache
def _inputs() -> list[bytes]:
    """The plain sample files (zips excluded: a mutated zip is no longer a zip) and crashers."""
    paths = [p for p in SAMPLES if not p.name.endswith(".zip")] + CRASHERS
    return [p.read_bytes() for p in paths]


def _physical(items: list[Item]) -> int:
    """Records and unreadable stretches: what a report must account for."""
    return sum(1 for i in items if isinstance(i, Record) or i.reason is not None)


def _one_record_per_line(items: list[Item]) -> bool:
    return all(
        isinstance(i, Record) and i.eol and not i.breaks and not i.tail and i.bdw is None
        for i in items
        if isinstance(i, Record) or i.reason is not None
    )


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for where, how, value in edits:
        if not out:
            out.append(value)
            continue
        at = where % len(out)
        if how == 0:
            out[at] = value
        elif how == 1:
            out.insert(at, value)
        else:
            del out[at]
    return bytes(out)


def _edits() -> st.SearchStrategy[list[tuple[int, int, int]]]:
    byte = st.one_of(st.sampled_from(list(_INTERESTING)), st.integers(0, 255))
    return st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 2), byte), min_size=1,
                    max_size=4)  # fmt: skip


def _check(data: bytes) -> list[Item]:
    items = parse_bytes(data)
    assert to_bytes(items) == data  # every byte is in a record or a gap
    validator = FileValidator()
    for item in items:
        problems = validator.check(item)
        for p in problems:
            assert p.rule in BY_ID
            assert p.offset is None or 0 <= p.offset <= len(data)
        if isinstance(item, Gap) and item.reason is not None:
            assert problems and problems[0].offset == item.offset
        if isinstance(item, Record) and item.kind == "base" and not problems:
            account = account_from_record(item)  # what ingest stores must build too
            associated_accounts(item, account)
    validator.finish()
    return items


def test_moovs_crashers_and_every_sample_are_read_whole() -> None:
    for data in _inputs():
        _check(data)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(which=st.integers(0, 1 << 10), edits=_edits())
def test_no_byte_mutation_crashes_or_loses_bytes(
    which: int, edits: list[tuple[int, int, int]]
) -> None:
    inputs = _inputs()
    original = inputs[which % len(inputs)]
    mutated = _mutate(original, edits)
    items = _check(mutated)
    before = parse_bytes(original)
    touches_lines = any(
        v in b"\r\n" or (how != 1 and original[w % len(original)] in b"\r\n")
        for w, how, v in edits
    ) if original else True  # fmt: skip
    if len(edits) == 1 and edits[0][1] == 0 and not touches_lines and _one_record_per_line(before):
        assert _physical(items) == _physical(before)


@pytest.mark.parametrize("name", ["m2_file_small.txt", "m2_file_small_with_error.txt"])
def test_a_damaged_opening_of_each_record_keeps_it_a_record(name: str) -> None:
    """The RDW, processing indicator, time stamp and record identifiers: damaging any byte
    of them leaves every line one record (which the validator then rejects, naming why)."""
    original = (DATA / "cfpb" / name).read_bytes()
    starts = [0, *[i + 1 for i, b in enumerate(original) if b == 0x0A][:-1]]
    expected = _physical(parse_bytes(original))
    for start in starts:
        for k in range(19):
            for value in (b"X", b"\xb2", b" "):
                mutated = original[: start + k] + value + original[start + k + 1 :]
                assert _physical(_check(mutated)) == expected, (start, k, value)
