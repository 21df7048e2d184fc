"""A Metro 2 file read in blocks: runs of plain one-line base records as a 2-D uint8 array
(one 426-byte row each), everything else as the per-record reader's items.

A line is plain when the per-record reader (parse.py) would read it as one base record on
that line and nothing else: a record descriptor word, processing indicator and time stamp
where detect() looks for them, 426 bytes of base segment, then either the line ending or a
chain of appended segments (K1, J1, L1 ...: a known identifier, then as many bytes as its
layout has, again and again) ending exactly at the line ending; and a next line that does
not start with an appended segment's identifier (which the reader would take as this
record's). The appended segments of a block's records are gathered per kind, with the row
of the record each belongs to, so the validator evaluates them as columns too. Any other line (headers, trailers, appended segments, wrapped, short, damaged or
unreadable lines) is read by parse.Reader over just those lines, with its record numbers and
offsets moved to where they sit in the file, so items come out exactly as one Reader over the
whole file gives them. A packed (binary) file is read by the Reader from there to the end.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

from bureau.furnishing.metro2.columnar.fields import Bytes, Ints, Mask
from bureau.furnishing.metro2.layout import APPENDED, LAYOUTS
from bureau.furnishing.metro2.parse import PACKED_REASON, RECORD_LENGTH, Reader
from bureau.furnishing.metro2.records import Gap, Item, Record, Segment

BLOCK = 2 << 20  # 8 MiB peaked 42 MB higher at 100,000 records for 5-10 % less CPU
_KINDS = tuple(APPENDED)
_IDENTS = np.array([(ord(k[0]) << 8) | ord(k[1]) for k in _KINDS], dtype=np.int64)
# an appended segment's kind (its index in _KINDS) and length, by its two identifier bytes
_KIND_OF = np.full(1 << 16, -1, dtype=np.int64)
_KIND_OF[_IDENTS] = np.arange(len(_KINDS))
_LENGTHS = np.array([APPENDED[k].length for k in _KINDS], dtype=np.int64)
Chain = tuple[Ints, Ints, Ints]  # per appended segment: its line, its kind, where it starts


@dataclass(frozen=True)
class Plain:
    """Plain base records: their rows, file offsets, record numbers and line endings."""

    rows: Bytes  # the base segments
    offsets: Ints
    numbers: Ints
    eols: list[str]
    lengths: Ints  # each record's length (what its record descriptor word must say)
    # appended segments per kind: their rows and the row of the record each belongs to, in
    # record order; and each record's appended segments in order, as (kind, text)
    appended: dict[str, tuple[Bytes, Ints]] = field(default_factory=dict)
    segments: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def record(self, i: int) -> Record:
        """Row i as the per-record reader gives it (to explain it, or to store it)."""
        text = self.rows[i].tobytes().decode("latin-1")
        segments = [Segment("base", text)]
        segments += [Segment(kind, body) for kind, body in self.segments.get(i, ())]
        return Record("base", segments, number=int(self.numbers[i]),
                      offset=int(self.offsets[i]), eol=self.eols[i])  # fmt: skip


Block = Plain | list[Item]


class _Chained(io.RawIOBase):
    """Bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head, self.rest = head, rest

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = (
                self.head[:n] if n >= 0 else self.head,
                self.head[n:] if n >= 0 else b"",
            )
            return out
        return self.rest.read(n)


def _chains(a: Bytes, starts: Ints, ends: Ints, ok: Mask) -> tuple[Mask, Chain]:
    """Which of the lines `ok` marks are a base segment followed by whole appended segments
    up to the line ending, and those segments (line, kind, start), in line order."""
    pos = starts + RECORD_LENGTH
    active = ok & (ends > pos)
    found: list[tuple[Ints, Ints, Ints]] = []
    while (idx := np.flatnonzero(active)).size:
        p = pos[idx]
        has_ident = p + 2 <= ends[idx]
        at = np.where(has_ident, p, 0)
        kind = np.where(has_ident, _KIND_OF[(a[at].astype(np.int64) << 8) | a[at + 1]], -1)
        length = np.where(kind >= 0, _LENGTHS[kind], 0)
        whole = (kind >= 0) & (p + length <= ends[idx])
        ok[idx[~whole]] = False  # unrecognised data or a cut segment: the reader's to read
        found.append((idx[whole], kind[whole], p[whole]))
        pos[idx[whole]] += length[whole]
        active[idx] = whole & (pos[idx] < ends[idx])
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return ok, (empty, empty, empty)
    line, kind, start = (np.concatenate(parts) for parts in zip(*found, strict=True))
    keep = ok[line]
    order = np.lexsort((start[keep], line[keep]))
    return ok, (line[keep][order], kind[keep][order], start[keep][order])


def _plain_lines(a: Bytes, starts: Ints, ends: Ints, eof: bool) -> tuple[Mask, Chain]:
    """Which lines (start, end of content) are plain base records, and their appended
    segments."""
    length = ends - starts
    ok = length >= RECORD_LENGTH
    if not ok.any():
        return ok, _chains(a, starts, ends, ok)[1]
    at = np.where(ok, starts, 0)
    head = a[at[:, None] + np.arange(19)]
    ok &= ((head >= 48) & (head <= 57)).all(axis=1)
    month = (head[:, 5].astype(np.int64) - 48) * 10 + head[:, 6] - 48
    day = (head[:, 7].astype(np.int64) - 48) * 10 + head[:, 8] - 48
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    nxt = np.append(starts[1:], len(a))
    has_two = nxt + 1 < len(a)
    first = np.where(has_two, a[np.minimum(nxt, len(a) - 1)].astype(np.int64) << 8, 0)
    second = np.where(has_two, a[np.minimum(nxt + 1, len(a) - 1)], 0)
    ok &= ~(has_two & np.isin(first | second, _IDENTS))
    return _chains(a, starts, ends, ok)


def _packed(item: Item) -> bool:
    """An item the Reader read in packed mode (which, once on, stays on)."""
    if isinstance(item, Gap):
        return item.reason == PACKED_REASON
    return item.packed


class BlockReader:
    """Iterates a stream's blocks in file order; `number` counts records and unreadable
    stretches as parse.Reader does."""

    def __init__(self, stream: BinaryIO, size: int = BLOCK) -> None:
        self.stream = stream
        self.size = size
        self.number = 0
        self.bytes_read = 0
        self._packed_at: int | None = None

    def _irregular(self, data: bytes, offset: int) -> tuple[list[Item], int | None]:
        """The Reader's items of these lines, and the file offset where packed data starts
        (the Reader then reads the rest of the file from there)."""
        items: list[Item] = []
        top = self.number
        for item in Reader(io.BytesIO(data)):
            item.offset += offset
            if isinstance(item, Record) or item.reason is not None:
                item.number += self.number
                top = item.number
            items.append(item)
            if _packed(item):  # from here on the Reader reads the file as packed
                self.number = top - 1
                return items[:-1], item.offset
        self.number = top
        return items, None

    def __iter__(self) -> Iterator[Block]:
        carry = b""
        offset = 0  # file offset of carry[0]
        while True:
            chunk = self.stream.read(self.size)
            self.bytes_read += len(chunk)
            eof = not chunk
            data = carry + chunk
            a = np.frombuffer(data, dtype=np.uint8)
            newlines = np.flatnonzero(a == 10)
            if eof:
                ends = newlines
                if not len(data):
                    return
                if not len(ends) or ends[-1] != len(data) - 1:
                    ends = np.append(ends, len(data))  # a last line without a line ending
                stop = len(data)
            else:
                if len(newlines) < 2:
                    carry = data
                    continue
                ends = newlines[:-1]  # the last whole line waits: its successor decides
                stop = int(ends[-1]) + 1
            starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
            ends = ends.astype(np.int64)
            at_newline = ends < len(data)
            cr = at_newline & (ends > starts) & (a[np.maximum(ends - 1, 0)] == 13)
            content = ends - cr
            plain, chain = _plain_lines(a, starts, content, eof)
            eol = np.where(at_newline, 1 + cr, 0)
            if not eof:
                # lines after the last plain one wait for the next block: a record of them
                # may be wrapped onto lines not read yet
                last = np.flatnonzero(plain)
                if not len(last):
                    if len(data) > 4 * self.size:  # no plain line for long: read the rest
                        self._packed_at = 0  # with the per-record reader
                        plain = plain[:0]
                    else:
                        carry = data
                        continue
                else:
                    keep = int(last[-1]) + 1
                    stop = int(ends[keep - 1]) + 1
                    starts, ends, plain, eol = starts[:keep], ends[:keep], plain[:keep], eol[:keep]
            yield from self._runs(data, a, offset, starts, ends, plain, eol, chain)
            if self._packed_at is not None:
                at = self._packed_at
                self._packed_at = None
                rest = _Chained(data[at:], self.stream)
                items: list[Item] = []
                for item in Reader(rest):  # type: ignore[arg-type]
                    item.offset += offset + at
                    if isinstance(item, Record) or item.reason is not None:
                        item.number += self.number
                    items.append(item)
                yield items
                return
            if eof:
                return
            carry = data[stop:]
            offset += stop

    def _runs(self, data: bytes, a: Bytes, offset: int, starts: Ints, ends: Ints,
              plain: Mask, eol: Ints, chain: Chain) -> Iterator[Block]:  # fmt: skip
        edges = np.flatnonzero(np.diff(plain.astype(np.int8))) + 1
        bounds = np.concatenate(([0], edges, [len(plain)]))
        for lo, hi in itertools.pairwise(bounds):
            if lo == hi:
                continue
            if plain[lo]:
                first = starts[lo:hi]
                stride = int(first[1] - first[0]) if hi - lo > 1 else RECORD_LENGTH
                if (np.diff(first) == stride).all() and first[0] + stride * (hi - lo) <= len(a):
                    # one line ending throughout: the lines are rows of one reshaped view
                    rows = a[first[0] : first[0] + stride * (hi - lo)].reshape(-1, stride)
                    rows = rows[:, :RECORD_LENGTH]
                else:
                    rows = a[first[:, None] + np.arange(RECORD_LENGTH)]
                numbers = self.number + 1 + np.arange(hi - lo, dtype=np.int64)
                self.number += int(hi - lo)
                eols = ["\n" if e == 1 else "\r\n" if e == 2 else "" for e in eol[lo:hi]]
                lengths = ends[lo:hi] - (eol[lo:hi] == 2) - first
                block = Plain(rows, first + offset, numbers, eols, lengths)
                _gather(block, data, a, chain, lo, hi, first)
                yield block
            else:
                begin = int(starts[lo])
                end = int(ends[hi - 1]) + int(eol[hi - 1] > 0)
                items, packed = self._irregular(data[begin:end], offset + begin)
                if items:
                    yield items
                if packed is not None:
                    self._packed_at = packed - offset
                    return


def _gather(block: Plain, data: bytes, a: Bytes, chain: Chain, lo: int, hi: int,
            first: Ints) -> None:  # fmt: skip
    """The appended segments of the block's lines (lo to hi), per kind and per record."""
    line, kind, start = chain
    inside = (line >= lo) & (line < hi)
    if not inside.any():
        return
    line, kind, start = line[inside] - lo, kind[inside], start[inside]
    for k in np.unique(kind).tolist():
        mine = kind == k
        layout = LAYOUTS[_KINDS[k]]
        rows = a[start[mine][:, None] + np.arange(layout.length)]
        block.appended[_KINDS[k]] = (rows, line[mine])
    for row, k, at in zip(line.tolist(), kind.tolist(), start.tolist(), strict=True):
        text = data[at : at + int(_LENGTHS[k])].decode("latin-1")
        block.segments.setdefault(row, []).append((_KINDS[k], text))
