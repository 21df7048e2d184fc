"""What a Metro 2 file is made of once read: records, their segments, and unreadable gaps.

A segment keeps its exact text (fixed width, as the layout says); typed values are decoded on
demand. Everything the source held around the segments (block descriptor word, blank padding,
unknown trailing data, line breaks, blanks trimmed off the end) is kept too, so writing a
parsed file gives back the same bytes, including files that are wrong: the validator reports
what is wrong, the writer never "fixes" anything silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from bureau.furnishing.metro2.layout import LAYOUTS, Field, Layout

Value = str | int | date | datetime | None
RecordKind = Literal["header", "base", "trailer"]


class FieldError(ValueError):
    """A field's text cannot be decoded to its type; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def digits(text: str) -> bool:
    """ASCII digits only. `str.isdigit` alone also accepts superscripts and other scripts'
    digits (a Latin-1 `²` is one), which `int()` then refuses."""
    return text.isascii() and text.isdigit()


def parse_date(text: str) -> date:
    """MMDDYYYY to a date, or FieldError naming what is wrong."""
    if not digits(text) or len(text) != 8:
        raise FieldError("a date must be 8 digits, MMDDYYYY")
    try:
        return date(int(text[4:8]), int(text[0:2]), int(text[2:4]))
    except ValueError as exc:
        raise FieldError(f"not a calendar date (MMDDYYYY): {exc}") from None


def decode(f: Field, text: str) -> Value:
    """The typed value of one field's text. Absent values (zero-filled dates, blanks where
    the field allows them) read as None; alphanumerics lose their blank fill."""
    if f.type == "A":
        return text.rstrip(" ")
    if f.blank_ok and not text.strip(" "):
        return None
    if f.type == "N":
        if not digits(text):
            raise FieldError("must be digits only (zero-filled, right-justified)")
        return int(text)
    if f.type == "D":
        if text == "0" * 8:
            return None
        return parse_date(text)
    # "T": timestamp
    if not digits(text) or len(text) != 14:
        raise FieldError("a time stamp must be 14 digits, MMDDYYYYHHMMSS")
    day = parse_date(text[:8])
    try:
        return datetime(day.year, day.month, day.day, int(text[8:10]), int(text[10:12]),
                        int(text[12:14]))  # fmt: skip
    except ValueError as exc:
        raise FieldError(f"not a valid time of day (HHMMSS): {exc}") from None


def encode(f: Field, value: Value) -> str:
    """A typed value as the field's fixed-width text; raises FieldError when it cannot fit."""
    if value is None or value == "":
        return (" " if f.type == "A" else "0") * f.length
    if f.type == "A":
        text = str(value)
        if len(text) > f.length:
            raise FieldError(f"{len(text)} characters do not fit in {f.length}")
        return text.ljust(f.length)
    if f.type == "N":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FieldError("must be a whole, non-negative number")
        text = str(value)
        if len(text) > f.length:
            raise FieldError(f"{value} does not fit in {f.length} digits")
        return text.zfill(f.length)
    if f.type == "D":
        if not isinstance(value, date) or isinstance(value, datetime):
            raise FieldError("must be a date")
        if value.year < 1000:
            raise FieldError("year must have four digits")
        return value.strftime("%m%d") + f"{value.year:04d}"
    if not isinstance(value, datetime):
        raise FieldError("must be a date and time")
    return value.strftime("%m%d") + f"{value.year:04d}" + value.strftime("%H%M%S")


@dataclass
class Segment:
    """One fixed-width segment (header, base, trailer, or an appended J1..N1) as text.

    Decoded values are cached (validation and storage read the same fields): change `text`
    only through `replace_text`, which forgets them.
    """

    kind: str
    text: str
    short_by: int = 0  # bytes missing at the end of the source (read as blanks here)
    decoded: dict[str, Value] = field(default_factory=dict, repr=False, compare=False)
    # A header, base segment or trailer of a packed file: its packed bytes (as latin-1 text),
    # which `text` is the character-format reading of, and the fields whose bytes are no
    # valid packed value, with why (packed.py).
    packed: str | None = None
    invalid: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def replace_text(self, text: str) -> None:
        if self.packed is not None:  # its text is a reading of those bytes, not the source
            raise ValueError("a packed segment keeps the bytes it was read from: convert it "
                             "with packed.to_character (or to_packed) to write new values")  # fmt: skip
        self.text = text
        self.decoded.clear()

    @property
    def layout(self) -> Layout:
        return LAYOUTS[self.kind]

    def raw(self, name: str) -> str:
        return self.text[self.layout[name].slice]

    def value(self, name: str) -> Value:
        """Typed value of a field; raises FieldError when its text is not of its type."""
        f = self.layout[name]
        return decode(f, self.text[f.slice])

    def get(self, name: str) -> Value:
        """Typed value, or None when the text does not decode (the validator reports that)."""
        cache = self.decoded
        if name in cache:
            return cache[name]
        try:
            value = self.value(name)
        except FieldError:
            value = None
        cache[name] = value
        return value

    def values(self) -> dict[str, Value]:
        """Every field decoded (undecodable ones as None)."""
        return {f.name: self.get(f.name) for f in self.layout.fields}

    def emitted(self) -> str:
        """The text as it appeared in the source (trimmed blanks left off again; a packed
        segment's packed bytes)."""
        if self.packed is not None:
            return self.packed
        return self.text[: len(self.text) - self.short_by] if self.short_by else self.text


@dataclass
class Record:
    """A header, a base segment with its appended segments, or a trailer.

    `number` counts records and unreadable gaps from 1 in file order; `offset` is the byte
    offset of the record's first byte (its block descriptor word when it has one).
    """

    kind: RecordKind
    segments: list[Segment]
    number: int = 0
    offset: int = 0
    bdw: str | None = None  # block descriptor word when the record opens a block
    padding: str = ""  # blanks after the segments
    tail: str = ""  # unrecognised bytes after the segments and padding, up to the line end
    breaks: tuple[tuple[int, str], ...] = ()  # line breaks inside the record: (position, text)
    eol: str = ""  # line ending after the record

    @property
    def main(self) -> Segment:
        return self.segments[0]

    @property
    def appended(self) -> list[Segment]:
        return self.segments[1:]

    def appended_of(self, kind: str) -> list[Segment]:
        return [s for s in self.segments[1:] if s.kind == kind]

    @property
    def packed(self) -> bool:
        """Read from (or written for) a packed file: descriptor words are binary."""
        return self.main.packed is not None

    @property
    def prefix_length(self) -> int:
        return len(self.bdw) if self.bdw is not None else 0

    def body(self) -> str:
        """The record's bytes without block descriptor word, line breaks or line ending: what
        its record descriptor word measures."""
        return "".join(s.emitted() for s in self.segments) + self.padding + self.tail

    def segment_offsets(self) -> Iterator[tuple[Segment, int]]:
        """Each segment with its position inside the record (0-based, after the BDW)."""
        position = self.prefix_length
        for segment in self.segments:
            yield segment, position
            position += len(segment.emitted())

    def file_offset(self, position: int) -> int:
        """Absolute byte offset of a position inside the record, counting line breaks (a
        position where a break was cut out is the byte after it: the data's own byte)."""
        shift = sum(len(text) for at, text in self.breaks if at <= position)
        return self.offset + position + shift

    def break_offset(self, index: int) -> int:
        """Absolute byte offset of the index-th line break inside the record."""
        at = self.breaks[index][0]
        return self.offset + at + sum(len(text) for _, text in self.breaks[:index])


@dataclass
class Gap:
    """Bytes that are not a Metro 2 record: blank lines (harmless, reason None) or data the
    reader could not recognise (with the reason). Kept so writing gives back the same bytes."""

    raw: str
    offset: int = 0
    number: int = 0
    reason: str | None = None


Item = Record | Gap
