"""The packed format (moov-io/metro2's encoding): every packed sample reads as its records and
writes back byte for byte; a packed record holds the same fields as its character twin; a
character file written packed and read back is the same file; a damaged packed value is
named at its byte in the file, never a crash."""

from __future__ import annotations

from datetime import date

import pytest

from bureau.furnishing.metro2.packed import (
    PACKED,
    PACKED_LENGTH,
    START,
    pack,
    to_character,
    to_packed,
    unpack,
)
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Gap, Item, Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.validate import validate_items
from bureau.furnishing.metro2.write import to_bytes
from tests.furnishing.samples import sample

PACKED_SAMPLES = {
    "moov/packed_file.dat": ["header", "base", "trailer"],
    "moov/packed_base_segment.dat": ["base"],
    "moov/packed_header_record.dat": ["header"],
    "moov/packed_trailer_record.dat": ["trailer"],
}


def _records(items: list[Item]) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


def test_every_layout_packs_into_366_bytes() -> None:
    for kind, fields in PACKED.items():
        assert sum(p.length for p in fields) == PACKED_LENGTH, kind


@pytest.mark.parametrize("name", sorted(PACKED_SAMPLES))
def test_packed_samples_read_as_records_and_write_back_byte_for_byte(name: str) -> None:
    data = sample(name).read_bytes()
    items = parse_bytes(data)
    assert not [i for i in items if isinstance(i, Gap)]
    assert [r.kind for r in _records(items)] == PACKED_SAMPLES[name]
    assert all(r.packed for r in _records(items))
    assert to_bytes(items) == data
    for record in _records(items):  # the samples are canonical: packing the reading gives them
        assert pack(record.kind, record.main.text) == record.main.packed


def test_a_packed_record_holds_the_fields_of_its_character_twin() -> None:
    """moov's packed_file.dat and unpacked_fixed_file.dat carry the same header and account."""
    packed = _records(parse_bytes(sample("moov/packed_file.dat").read_bytes()))
    character = _records(parse_bytes(sample("moov/unpacked_fixed_file.dat").read_bytes()))
    for ours, theirs in zip(packed[:2], character[:2], strict=True):
        mine, twin = ours.main.values(), theirs.main.values()
        del mine["record_descriptor_word"], twin["record_descriptor_word"]  # formats differ
        assert mine == twin
    base = packed[1].main
    assert base.get("date_opened") == date(2019, 11, 22)
    assert (base.get("current_balance"), base.get("ssn")) == (2233, 159328759)
    assert [s.kind for s in packed[1].appended][:2] == ["J1", "J2"]


def test_a_character_file_written_packed_reads_back_as_the_same_file() -> None:
    original = list(records(40, seed=12))
    for record in original[:3]:
        record.bdw = "0000"  # a BDW travels with its record
    data = to_bytes(to_packed(r) for r in original)
    back = _records(parse_bytes(data))
    assert [r.kind for r in back] == [r.kind for r in original]
    for ours, theirs in zip(back, original, strict=True):
        assert ours.packed and (ours.bdw is not None) == (theirs.bdw is not None)
        mine, twin = ours.main.values(), theirs.main.values()
        assert mine.pop("record_descriptor_word") == PACKED_LENGTH + sum(
            len(s.text) for s in theirs.appended)  # fmt: skip
        del twin["record_descriptor_word"]
        assert mine == twin
        assert [s.text for s in ours.appended] == [s.text for s in theirs.appended]
    assert list(validate_items(parse_bytes(data))) == []  # a clean file stays clean
    assert to_bytes(to_character(r) for r in back) == to_bytes(to_character(r) for r in original)


def test_a_damaged_packed_date_is_named_at_its_byte_and_the_bytes_are_kept() -> None:
    data = bytearray(sample("moov/packed_file.dat").read_bytes())
    base = _records(parse_bytes(bytes(data)))[1]
    base_at = base.offset + base.prefix_length
    at = base_at + START["base"]["date_opened"] + 4  # the closing 0x73 of the packed date
    data[at] = 0x41
    items = parse_bytes(bytes(data))
    assert to_bytes(items) == bytes(data)
    (problem,) = [p for p in validate_items(items) if p.field == "date_opened"]
    assert (problem.rule, problem.record, problem.start, problem.end) == ("M2-F01", 2, 76, 83)
    assert problem.offset == base_at + START["base"]["date_opened"]
    assert "packed date" in problem.reason


def test_bytes_between_packed_records_are_unreadable_and_the_next_record_still_reads() -> None:
    data = sample("moov/packed_file.dat").read_bytes()
    items = _records(parse_bytes(data))
    cut = items[2].offset
    damaged = data[:cut] + b"GARBAGE!" + data[cut:]
    read = parse_bytes(damaged)
    assert to_bytes(read) == damaged
    gaps = [i for i in read if isinstance(i, Gap)]
    assert [(g.offset, g.raw) for g in gaps] == [(cut, "GARBAGE!")]
    assert [r.kind for r in _records(read)] == ["header", "base", "trailer"]


def test_unpack_reads_short_data_as_blanks_and_zeros() -> None:
    text, invalid = unpack("trailer", pack("trailer", "0426TRAILER" + " " * 415)[:100])
    assert len(text) == 426 and not invalid


def test_stray_zero_bytes_in_a_character_file_do_not_switch_it_to_packed() -> None:
    items = list(records(4, seed=2))
    data = to_bytes(items[:2]) + b"ab\x00\x00 not a record\n" + to_bytes(items[2:])
    read = parse_bytes(data)
    assert to_bytes(read) == data
    assert [r.kind for r in _records(read)] == [r.kind for r in items]
    assert not any(r.packed for r in _records(read))
    (gap,) = [i for i in read if isinstance(i, Gap) and i.reason]
    assert gap.raw.startswith("ab\x00\x00")
