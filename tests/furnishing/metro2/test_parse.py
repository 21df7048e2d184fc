"""Reading Metro 2: every sample is read without a crash and written back byte for byte; the
framing variations real senders produce are understood; the reader streams."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typing_extensions import Buffer

from bureau.furnishing.metro2.parse import Reader, open_file, parse_bytes, read
from bureau.furnishing.metro2.records import Gap, Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from tests.furnishing.samples import SAMPLES, sample, sample_id


def _records(items: list[Record | Gap]) -> list[Record]:
    return [i for i in items if isinstance(i, Record)]


def _shape(path: str) -> list[str]:
    with open_file(sample(path)) as stream:
        items = list(read(stream))
    return [
        i.kind + "".join(s.kind for s in i.appended) if isinstance(i, Record) else "gap"
        for i in items
        if isinstance(i, Record) or i.reason
    ]


def test_there_are_samples_to_read() -> None:
    assert len(SAMPLES) >= 40


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_every_sample_reads_without_a_crash_and_writes_back_byte_for_byte(path: Path) -> None:
    with open_file(path) as stream:
        original = stream.read()
    with open_file(path) as stream:
        items = list(read(stream))
    assert to_bytes(items) == original


def test_line_per_record_file_with_bogus_rdws_is_read_by_structure() -> None:
    assert _shape("cfpb/m2_file_small.txt") == [
        "header",
        "baseJ1J1",
        "baseK1K2",
        "baseL1J2",
        "trailer",
    ]


def test_extra_segments_of_every_kind_are_recognised() -> None:
    shapes = _shape("cfpb/m2_extra_extra_segments.txt")
    assert shapes[1] == "base" + "J1" * 4 + "J2" * 4 + "K1K2K3K4L1N1"


def test_block_descriptor_word_on_its_own_line_and_80_column_wrapping() -> None:
    with open_file(sample("moov/base_segment.dat")) as stream:
        (record,) = _records(list(read(stream)))
    assert record.bdw == "1268"
    assert record.main.raw("record_descriptor_word") == "1264"
    assert [s.kind for s in record.appended] == [
        "J1",
        "J2",
        "J2",
        "K1",
        "K2",
        "K3",
        "K4",
        "L1",
        "N1",
    ]
    assert len(record.body()) == 1264
    assert record.breaks  # the wrapping is remembered, so the bytes come back the same


def test_fixed_length_records_keep_their_blank_padding() -> None:
    with open_file(sample("moov/unpacked_fixed_file.dat")) as stream:
        header, base, trailer = _records(list(read(stream)))
    assert header.main.raw("record_descriptor_word") == "0470"
    assert len(header.padding) == 44 and len(header.body()) == 470
    assert len(base.body()) == 1000
    assert trailer.kind == "trailer"


def test_trimmed_trailing_blanks_read_as_blanks_and_are_remembered() -> None:
    with open_file(sample("cfpb/m2_file_small.txt")) as stream:
        trailer = _records(list(read(stream)))[-1]
    assert trailer.main.short_by == 19
    assert len(trailer.main.text) == 426
    assert trailer.main.raw("reserved_2") == " " * 19


def test_garbage_before_a_record_on_the_same_line_becomes_a_gap_and_the_record_is_kept() -> None:
    shapes = _shape("cfpb/test_local_zipped/m2_2k_lines_deidentified.TXT.zip")
    assert shapes[:3] == ["header", "gap", "baseJ1"]
    assert shapes.count("gap") == 1
    assert shapes[-1] == "trailer"


def test_unknown_data_after_the_segments_is_kept_as_the_record_tail() -> None:
    with open_file(sample("cfpb/m2_file_small_with_error.txt")) as stream:
        broken = _records(list(read(stream)))[3]
    assert len(broken.tail) == 47


def test_crlf_line_endings_round_trip() -> None:
    data = to_bytes(records(3)).replace(b"\n", b"\r\n")
    items = parse_bytes(data)
    assert [i.kind for i in _records(items)] == ["header", "base", "base", "base", "trailer"]
    assert all(r.eol == "\r\n" for r in _records(items))
    assert to_bytes(items) == data


def test_records_without_line_endings_are_split_by_structure() -> None:
    data = to_bytes(records(5)).replace(b"\n", b"")
    items = parse_bytes(data)
    assert len(_records(items)) == 7 and all(isinstance(i, Record) for i in items)
    assert to_bytes(items) == data


def test_record_offsets_and_numbers_follow_the_file() -> None:
    data = to_bytes(records(2))
    items = _records(parse_bytes(data))
    assert [r.number for r in items] == [1, 2, 3, 4]
    assert [r.offset for r in items] == [0, 427, 854, 1281]


def test_empty_and_tiny_inputs_do_not_crash() -> None:
    for data in (b"", b"\n", b"\n\n", b"0", b"0426", b"0426HEADER", b"\x00" * 10, b"\xff" * 500):
        assert to_bytes(parse_bytes(data)) == data


class _CountingStream(io.RawIOBase):
    """Generates a long Metro 2 file on the fly, so the test never holds it whole."""

    def __init__(self, n: int) -> None:
        self._parts = (r for r in records(n))
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        view = memoryview(buffer)
        while len(self._pending) < len(view):
            part = next(self._parts, None)
            if part is None:
                break
            self._pending += to_bytes([part])
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def test_reader_streams_with_a_bounded_buffer() -> None:
    reader = Reader(io.BufferedReader(_CountingStream(12_000), buffer_size=1 << 16))
    biggest = 0
    count = 0
    for _item in reader:
        count += 1
        biggest = max(biggest, len(reader._text))
    assert count == 12_002
    assert reader.bytes_read > 5_000_000
    assert biggest < 3 * (1 << 20)  # a few chunks, never the whole file


def test_a_sharp_s_in_a_record_identifier_is_read_not_a_crash() -> None:
    """`str.upper()` turns a Latin-1 "ß" into "SS": the damaged-identifier check compares
    letter by letter, so the record is still read (found by the fuzz test)."""
    data = to_bytes(records(2)).replace(b"HEADER", b"HEAD\xdfR", 1)
    items = parse_bytes(data)
    assert to_bytes(items) == data
    assert _records(items)[0].kind == "header"
