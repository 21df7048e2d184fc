"""Fixed-width fields of a batch of segments decoded as columns, with the field checks.

A batch is a 2-D uint8 array, one segment per row. Each column keeps the exact meaning of
records.decode: alphanumerics are their text without blank fill, numbers are whole numbers,
dates are days, and a value that is absent or does not decode is marked invalid (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from bureau.furnishing.metro2.codes import TABLES
from bureau.furnishing.metro2.layout import Field, Layout

Bytes = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]

SPACE, ZERO, NINE = 32, 48, 57
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Text:
    """Text columns: the bytes (blank-padded) and each row's length without blank fill
    (`valid` False where the value is None, e.g. a slice of a number)."""

    data: Bytes
    length: Ints
    valid: Mask


@dataclass(frozen=True)
class Number:
    value: Ints
    valid: Mask


@dataclass(frozen=True)
class Day:
    """Dates as days since 1970-01-01."""

    value: Ints
    valid: Mask


Column = Text | Number | Day


def text_length(data: Bytes) -> Ints:
    """Length of each row without trailing blanks (str.rstrip(" "))."""
    width = data.shape[1]
    if width == 0:
        return np.zeros(len(data), dtype=np.int64)
    if width == 1:
        return (data[:, 0] != SPACE).astype(np.int64)
    nonblank = data != SPACE
    last = width - np.argmax(nonblank[:, ::-1], axis=1)
    return np.where(nonblank.any(axis=1), last, 0).astype(np.int64)


def all_digits(data: Bytes) -> Mask:
    out: Mask = np.asarray(((data >= ZERO) & (data <= NINE)).all(axis=1))
    return out


def as_number(data: Bytes) -> Ints:
    """Digits to whole numbers (rows that are not digits give garbage: mask them), as one
    product with the powers of ten."""
    powers = 10 ** np.arange(data.shape[1] - 1, -1, -1, dtype=np.int64)
    out: Ints = (data.astype(np.int64) - ZERO) @ powers
    return out


def _days_in_month(year: Ints, month: Ints) -> Ints:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    return table[np.clip(month, 0, 12)] + ((month == 2) & leap)


def calendar(data: Bytes, digits: Mask | None = None) -> tuple[Mask, Ints]:
    """MMDDYYYY rows: which are calendar dates, and their day numbers (`digits`: whether
    the rows are all digits, when known)."""
    ok = all_digits(data) if digits is None else digits.copy()
    month, day, year = as_number(data[:, 0:2]), as_number(data[:, 2:4]), as_number(data[:, 4:8])
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= day <= _days_in_month(year, month)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0)
    days = months.astype("datetime64[M]").astype("datetime64[D]") - _EPOCH
    return ok, np.where(ok, days.astype(np.int64) + day - 1, 0)


@dataclass(frozen=True)
class Classes:
    """Per row and field: is it all blanks, all zeros, all digits (one pass over the rows)."""

    blank: Mask
    zeros: Mask
    digits: Mask
    printable: Mask  # per row: every byte printable ASCII


_BLANK, _ZEROS, _DIGITS, _PRINTABLE_BIT = 1, 2, 4, 8


def classes(layout: Layout, rows: Bytes) -> Classes:
    """Each byte's classes as bits, and-reduced over each field: one pass for all four."""
    starts = np.array([f.start - 1 for f in layout.fields], dtype=np.intp)
    bits = (rows == SPACE).view(np.uint8) * np.uint8(_BLANK)
    bits |= (rows == ZERO).view(np.uint8) * np.uint8(_ZEROS)
    bits |= (rows - np.uint8(ZERO) < 10).view(np.uint8) * np.uint8(_DIGITS)
    bits |= (rows - np.uint8(SPACE) < 0x7F - 0x20).view(np.uint8) * np.uint8(_PRINTABLE_BIT)
    bits = np.bitwise_and.reduceat(bits, starts, axis=1)
    return Classes(
        (bits & _BLANK) > 0, (bits & _ZEROS) > 0, (bits & _DIGITS) > 0,
        np.asarray(((bits & _PRINTABLE_BIT) > 0).all(axis=1)),
    )  # fmt: skip


def decoded(
    f: Field, raw: Bytes, blank: Mask, zeros: Mask, digits: Mask
) -> tuple[Column | None, Mask]:
    """The column of one field and where its text does not decode (rule M2-F01); the column
    is None for time stamps, which no rule reads. `blank`, `zeros`, `digits`: whether the
    field's text is all blanks, all zeros, all digits."""
    n = len(raw)
    if f.type == "A":
        return Text(raw, text_length(raw), np.ones(n, dtype=bool)), np.zeros(n, dtype=bool)
    if not f.blank_ok:
        blank = np.zeros(n, dtype=bool)
    if f.type == "N":
        return Number(np.where(digits, as_number(raw), 0), digits & ~blank), ~digits & ~blank
    if f.type == "D":
        ok, days = calendar(raw, digits)
        return Day(days, ok & ~blank & ~zeros), ~ok & ~blank & ~zeros
    ok, _ = calendar(raw[:, :8], digits)
    hh, mm, ss = (as_number(raw[:, k : k + 2]) for k in (8, 10, 12))
    ok &= (hh < 24) & (mm < 60) & (ss < 60)
    return None, ~ok & ~blank


def text_keys(data: Bytes, length: Ints) -> Ints:
    """Short texts (up to 7 bytes) as one integer each, length included: membership in a
    code set becomes one np.isin."""
    key = length.astype(np.int64) << 56
    for j in range(min(data.shape[1], 7)):
        key |= np.where(j < length, data[:, j].astype(np.int64), 0) << (8 * j)
    return key


def code_keys(codes: frozenset[str] | set[str] | dict[str, str], width: int) -> Ints:
    found = [c.encode("latin-1") for c in codes if len(c) <= min(width, 7)]
    return np.array(
        [(len(c) << 56) | sum(b << (8 * j) for j, b in enumerate(c)) for c in found],
        dtype=np.int64,
    )


class Segments:
    """One kind of segment for a batch of records: its rows, fields decoded on demand."""

    def __init__(self, layout: Layout, rows: Bytes) -> None:
        self.layout = layout
        self.rows = rows
        self._columns: dict[str, tuple[Column | None, Mask]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def raw(self, name: str) -> Bytes:
        return self.rows[:, self.layout[name].slice]

    @cached_property
    def classes(self) -> Classes:
        return classes(self.layout, self.rows)

    def field(self, name: str) -> tuple[Column | None, Mask]:
        if name not in self._columns:
            j = self.layout.fields.index(self.layout[name])
            c = self.classes
            self._columns[name] = decoded(self.layout[name], self.raw(name), c.blank[:, j],
                                          c.zeros[:, j], c.digits[:, j])  # fmt: skip
        return self._columns[name]

    def column(self, name: str) -> Column:
        col = self.field(name)[0]
        if col is None:
            raise NotImplementedError(f"{self.layout.kind}.{name}: no rule reads time stamps")
        return col

    def raw_text(self, name: str) -> Text:
        """The field's text as sent, without blank fill (what Matches reads)."""
        raw = self.raw(name)
        return Text(raw, text_length(raw), np.ones(len(raw), dtype=bool))

    @property
    def printable(self) -> Mask:
        """Every byte printable ASCII (M2-F06 and every decode error need one that is not)."""
        return self.classes.printable

    def field_problems(self) -> Mask:
        """Rows where some field check (M2-F01 .. F05) fails, the layout's own rules."""
        bad = ~self.printable
        c = self.classes
        for j, f in enumerate(self.layout.fields):
            if f.type != "A":
                bad |= self.field(f.name)[1]
            if f.required == "required" and f.name != "segment_identifier":
                bad |= c.blank[:, j] | (c.zeros[:, j] if f.type in "DT" else False)
            if f.codes and f.codes != "payment_history":
                if f.length > 7:
                    raise NotImplementedError(f"{f.name}: codes wider than 7 bytes")
                text = self.raw_text(f.name)  # the code as sent, whatever the field's type
                known = np.isin(
                    text_keys(text.data, text.length), code_keys(TABLES[f.codes], f.length)
                )
                bad |= (text.length > 0) & ~known
        return bad
