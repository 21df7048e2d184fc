"""The packed Metro 2 format: 366-byte header, base segment and trailer with binary numbers.

Packed files hold the same fields as character files, in the same order, with the numbers
binary-coded to save space. The encoding is moov-io/metro2's (the only public implementation,
whose fixtures are the evidence here: ../shared/testdata/metro2/moov/packed_*):

* descriptor words (BDW, RDW): a 2-byte big-endian length followed by two zero bytes;
* money amounts, the SSN and totals: big-endian binary integers (5 bytes; the telephone 6);
* dates (MMDDYYYY) and the time stamp (MMDDYYYYHHMMSS): a zero byte, the digits read as one
  number in 3 (date) or 6 (time stamp) big-endian bytes, and the byte 0x73; all zero bytes
  when not reported;
* every other field, and the appended segments (J1..N1), exactly as in the character format.

A packed record is read into the character format's text (`unpack`), so the validator, the
rules and storage see one format; the segment keeps the bytes it was read from, so writing
the file gives them back exactly, even where they are not a valid packed value (those fields
read as `#`s in the character text and the validator names them). `pack` is the inverse, for
writing character records (or moov JSON) as a packed file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bureau.furnishing.metro2.layout import BASE, HEADER, LAYOUTS, TRAILER, Field, Layout
from bureau.furnishing.metro2.records import Record, Segment, digits

PACKED_LENGTH = 366
Encoding = Literal["text", "descriptor", "number", "date", "timestamp"]
INVALID = "#"  # fills a character field whose packed bytes are not a valid packed value
_DATE_MARK = "\x73"
_LENGTHS: dict[str, dict[str, int]] = {
    # fields whose packed length differs from the character length (all others: the same)
    "header": {"reserved": 86},
    "base": {"ssn": 5, "telephone": 6},
    "trailer": {"reserved_1": 5, "reserved_2": 135},
}


@dataclass(frozen=True)
class PackedField:
    field: Field  # the character-format field it stands for
    start: int  # 0-based offset inside the packed segment
    length: int
    encoding: Encoding


def _encoding(kind: str, f: Field) -> Encoding:
    if f.name == "record_descriptor_word":
        return "descriptor"
    if kind == "header" or f.type == "A" or f.length == 1:
        return "text"  # the header keeps its dates and telephone as characters
    binary: dict[str, Encoding] = {"N": "number", "D": "date", "T": "timestamp"}
    return binary[f.type]


def _packed_layout(layout: Layout) -> tuple[PackedField, ...]:
    out: list[PackedField] = []
    start = 0
    for f in layout.fields:
        encoding = _encoding(layout.kind, f)
        default = {"descriptor": 4, "number": 5, "date": 5, "timestamp": 8}.get(encoding, f.length)
        length = _LENGTHS[layout.kind].get(f.name, default)
        out.append(PackedField(f, start, length, encoding))
        start += length
    if start != PACKED_LENGTH:
        raise ValueError(f"packed {layout.kind} covers {start} bytes, not {PACKED_LENGTH}")
    return tuple(out)


PACKED: dict[str, tuple[PackedField, ...]] = {
    layout.kind: _packed_layout(layout) for layout in (HEADER, BASE, TRAILER)
}
START: dict[str, dict[str, int]] = {
    kind: {p.field.name: p.start for p in fields} for kind, fields in PACKED.items()
}


def descriptor(text: str) -> int | None:
    """The length a packed descriptor word holds, or None when it is not one."""
    if len(text) != 4 or text[2:] != "\x00\x00":
        return None
    return ord(text[0]) << 8 | ord(text[1])


def descriptor_bytes(value: int) -> str:
    return chr(value >> 8 & 0xFF) + chr(value & 0xFF) + "\x00\x00"


def _number(data: str) -> int:
    return int.from_bytes(data.encode("latin-1"), "big")


def _binary(value: int, length: int) -> str:
    return value.to_bytes(length, "big").decode("latin-1")


def _unpack_field(p: PackedField, data: str) -> str:
    """One field's packed bytes as its character text (INVALID-filled when not valid)."""
    size = p.field.length
    if p.encoding == "text":  # reserved fields are shorter (or longer) packed: blank-filled
        return data[:size].ljust(size)
    if p.encoding == "descriptor":
        value = descriptor(data)
    elif p.encoding == "number":
        value = _number(data)
    elif not data.strip("\x00"):
        return "0" * size
    elif data[0] == "\x00" and data[-1] == _DATE_MARK:
        value = _number(data[1:-1])
    else:
        value = None
    if value is None or value >= 10**size:
        return INVALID * size
    return str(value).zfill(size)


def unpack(kind: str, data: str) -> tuple[str, dict[str, str]]:
    """A packed segment (latin-1 text of its bytes; short data is read as blank text and zero
    bytes) as character-format text, and the fields whose bytes are no valid packed value,
    with why."""
    parts: list[str] = []
    invalid: dict[str, str] = {}
    for p in PACKED[kind]:
        raw = data[p.start : p.start + p.length]
        if len(raw) < p.length:
            raw += (" " if p.encoding == "text" else "\x00") * (p.length - len(raw))
        text = _unpack_field(p, raw)
        if text.startswith(INVALID) and p.encoding != "text":
            invalid[p.field.name] = _why(p)
        parts.append(text)
    return "".join(parts), invalid


def _why(p: PackedField) -> str:
    if p.encoding == "descriptor":
        return "a packed descriptor word is a 2-byte length followed by two zero bytes"
    if p.encoding == "number":
        return f"the packed number does not fit the field's {p.field.length} digits"
    what = "date (MMDDYYYY)" if p.encoding == "date" else "time stamp (MMDDYYYYHHMMSS)"
    return f"a packed {what} is a zero byte, the digits as a binary number, and 0x73"


def _pack_field(p: PackedField, text: str) -> str:
    if p.encoding == "text":
        return text[: p.length].ljust(p.length)
    value = int(text) if digits(text) else 0
    if p.encoding == "descriptor":
        return descriptor_bytes(min(value, 0xFFFF))
    if p.encoding == "number":
        return _binary(min(value, (1 << 8 * p.length) - 1), p.length)
    if not value:
        return "\x00" * p.length
    return "\x00" + _binary(value, p.length - 2) + _DATE_MARK


def pack(kind: str, text: str) -> str:
    """Character-format text of a header, base segment or trailer as its packed bytes."""
    return "".join(_pack_field(p, text[p.field.slice]) for p in PACKED[kind])


# Where a packed record may start: a descriptor word (the high byte of a length up to 9999),
# optionally a second one (a BDW before the RDW), then a record identifier or a base
# segment's processing indicator followed by the zero byte a packed time stamp opens with.
RECORD_START = re.compile(
    r"[\x00-\x27][\x00-\xff]\x00\x00(?:[\x00-\x27][\x00-\xff]\x00\x00)?(?:HEADER|TRAILER|1\x00)"
)


def _with_rdw(kind: str, text: str, length: int) -> str:
    """The segment's text with its record descriptor word set to the record's length."""
    rdw = LAYOUTS[kind]["record_descriptor_word"]
    return str(min(length, 9999)).zfill(rdw.length) + text[rdw.length :]


def to_packed(record: Record) -> Record:
    """A record written for a packed file: its header, base segment or trailer packed, its
    appended segments as they are, a true RDW, and a BDW when the record had one."""
    appended = [Segment(s.kind, s.text) for s in record.appended]
    length = PACKED_LENGTH + sum(len(s.text) for s in appended)
    text = _with_rdw(record.kind, record.main.text, length)
    main = Segment(record.kind, text, packed=pack(record.kind, text))
    bdw = descriptor_bytes(length + 4) if record.bdw is not None else None
    return Record(kind=record.kind, segments=[main, *appended], bdw=bdw)


def to_character(record: Record) -> Record:
    """A record (of a packed file, or any other) written for a character file: 426-byte
    segments, a true RDW, a BDW when the record had one, one record per line."""
    appended = [Segment(s.kind, s.text) for s in record.appended]
    length = len(record.main.text) + sum(len(s.text) for s in appended)
    main = Segment(record.kind, _with_rdw(record.kind, record.main.text, length))
    bdw = str(length + 4).zfill(4) if record.bdw is not None else None
    return Record(kind=record.kind, segments=[main, *appended], bdw=bdw, eol="\n")
