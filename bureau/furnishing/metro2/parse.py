"""Streaming reader for Metro 2 character-format files.

Reads record by record from a binary stream with a bounded buffer, so a file larger than memory
is never held whole. Real files vary in ways the format does not allow but senders produce
anyway, and the reader accepts them without guessing silently:

* a 4-digit block descriptor word (BDW) before a record's record descriptor word (RDW);
* records with or without line endings (LF or CRLF), and records wrapped over several lines;
* record descriptor words that do not match the record (the structure decides: header, base
  plus the appended segments it can identify, trailer), with blank padding kept;
* lines shorter than the layout (trailing blanks trimmed), read as blank-filled;
* unknown data after a record's last segment, garbage lines and packed (binary) files, kept
  as `tail` or `Gap` with a reason.

Nothing here raises on bad input: every byte ends up in a Record or a Gap, so the writer can
give the same bytes back and the validator can say precisely what is wrong.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bureau.furnishing.metro2 import packed as packed_format
from bureau.furnishing.metro2.layout import APPENDED, LAYOUTS
from bureau.furnishing.metro2.records import Gap, Item, Record, RecordKind, Segment, digits

CHUNK = 1 << 20
LOOKAHEAD = 1 << 16  # comfortably more than the longest record (RDW <= 9999, plus line breaks)
RECORD_LENGTH = 426
MIN_LINE_FOR_BASE = 300  # trimmed lines lose trailing blanks, never half a base segment
DAMAGED_DIGITS = 15  # of a base record's first 19 bytes (RDW, processing indicator, time stamp)

PACKED_REASON = (
    "not a packed Metro 2 record (no descriptor word followed by a header, base segment or "
    "trailer starts here)"
)
_RECORD_START = re.compile(
    r"\d{4}(?:HEADER|TRAILER|\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{10})"
)


def _peek(text: str, pos: int, n: int = 24) -> str:
    """The next n characters from pos as one logical run, skipping line breaks."""
    window = text[pos : pos + n]
    if "\n" not in window and "\r" not in window:
        return window
    out: list[str] = []
    size = 0
    while size < n and pos < len(text):
        ch = text[pos]
        pos += 1
        if ch in "\r\n":
            continue
        out.append(ch)
        size += 1
    return "".join(out)


def _base_at(p: str, k: int) -> bool:
    """RDW, processing indicator and a time stamp whose month and day are plausible."""
    s = p[k : k + 19]
    return len(s) == 19 and digits(s) and "01" <= s[5:7] <= "12" and "01" <= s[7:9] <= "31"


def _near(word: str, text: str) -> bool:
    """A record identifier damaged in at most two letters (`HEADEr`, `TRAI1ER`): still the
    header or trailer, misspelt, which the validator reports; never a phantom base record."""
    # letter by letter: str.upper() of the whole can lengthen it (a Latin-1 "ß" is "SS")
    if len(text) != len(word):
        return False
    return sum(a != b.upper() for a, b in zip(word, text, strict=True)) <= 2


def damaged(p: str) -> RecordKind | None:
    """At the start of a line that `detect` does not recognise: is this a header or trailer
    whose identifier was damaged? (A damaged base record is recognised by its structure.)"""
    if _near("HEADER", p[4:10]):
        return "header"
    if _near("TRAILER", p[4:11]):
        return "trailer"
    return None


def detect(p: str) -> tuple[int, RecordKind] | None:
    """Does a record start here? Returns (length of the BDW prefix, kind) or None."""
    if p[4:10] == "HEADER":
        return 0, "header"
    if p[4:11] == "TRAILER":
        return 0, "trailer"
    if p[8:14] == "HEADER":
        return 4, "header"
    if p[8:15] == "TRAILER":
        return 4, "trailer"
    if _base_at(p, 0):
        return 0, "base"
    if _base_at(p, 4):
        return 4, "base"
    return None


def _looks_packed(text: str, pos: int) -> bool:
    """A packed record starts here: binary descriptor words (two length bytes, two zero
    bytes) before a record identifier or a base segment's processing indicator. Once one is
    found the file is read as packed; a stray pair of zero bytes in a character file is not
    enough to switch."""
    return packed_format.RECORD_START.match(text, pos) is not None


def _packed_kind(body: str) -> RecordKind:
    if _near("HEADER", body[4:10]):
        return "header"
    if _near("TRAILER", body[4:11]):
        return "trailer"
    return "base"


def _next_packed(text: str, pos: int, end: int) -> int:
    """Where the next packed record starts between pos and end (end if nowhere)."""
    match = packed_format.RECORD_START.search(text, pos, min(end, len(text)))
    return end if match is None else match.start()


def _read_packed(text: str, pos: int) -> tuple[Item, int]:
    """One packed record at pos: an optional block descriptor word, the 366-byte header, base
    segment or trailer (read into the character text, keeping its bytes), a base segment's
    appended segments (character format), and up to the record descriptor word's length of
    anything else as its tail. A stretch that opens with no descriptor word is unreadable, up
    to where the next packed record starts."""
    if packed_format.descriptor(text[pos : pos + 4]) is None:
        end = _next_packed(text, pos + 1, len(text))
        return Gap(raw=text[pos:end], offset=0, reason=PACKED_REASON), end
    second = text[pos + 4 : pos + 8]
    prefix = 4 if text[pos + 4 : pos + 5] not in "HT1" and packed_format.descriptor(second) else 0
    start = pos + prefix
    rdw = packed_format.descriptor(text[start : start + 4]) or 0
    size = packed_format.PACKED_LENGTH
    main = text[start : start + size]
    kind = _packed_kind(main)
    unpacked, invalid = packed_format.unpack(kind, main)
    segments = [Segment(kind, unpacked, size - len(main), packed=main, invalid=invalid)]
    at = start + len(main)
    if kind == "base" and len(main) == size:
        while (ident := text[at : at + 2]) in APPENDED:
            length = APPENDED[ident].length
            body = text[at : at + length]
            missing = length - len(body)
            segments.append(Segment(ident, body + " " * missing, missing))
            at += len(body)
            if missing:
                break
    # what the RDW counts beyond the segments is the record's own (its tail), up to where
    # the next record plainly starts
    end = _next_packed(text, at, start + rdw) if start + rdw > at else at
    record = Record(kind=kind, segments=segments, bdw=text[pos:start] if prefix else None,
                    tail=text[at:end])  # fmt: skip
    return record, end


class _Cursor:
    """Takes a record's characters from the buffer, deciding at each line break whether the
    next line continues the record (wrapped) or starts something else (the record ended)."""

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos
        self.logical = 0
        self.breaks: list[tuple[int, str]] = []

    def _continues(self, pos: int) -> bool:
        if pos >= len(self.text) or self.text[pos] in "\r\n":
            return False
        return detect(_peek(self.text, pos)) is None

    def take(self, n: int, *, continue_first: bool = False) -> str:
        got: list[str] = []
        text = self.text
        while n > 0:
            i = self.pos
            j = text.find("\n", i, i + n + 1)
            if j == -1 or (j == i + n and text[j - 1] != "\r"):
                chunk = text[i : i + n]
                got.append(chunk)
                self.pos += len(chunk)
                self.logical += len(chunk)
                break
            brk = j - 1 if j > i and text[j - 1] == "\r" else j
            chunk = text[i:brk]
            got.append(chunk)
            self.pos = brk
            self.logical += len(chunk)
            n -= len(chunk)
            if n == 0:
                break
            # Right after a block descriptor word on a line of its own, the record itself starts
            # on the next line; anywhere else, the next line must not start a new record.
            bdw_alone = continue_first and not chunk and not got[:-1]
            if not bdw_alone and not self._continues(j + 1):
                break
            self.breaks.append((self.logical, text[brk : j + 1]))
            self.pos = j + 1
            continue_first = False
        return "".join(got)

    def peek_segment(self) -> str | None:
        """The identifier of an appended segment starting here (possibly on the next line)."""
        text, i = self.text, self.pos
        ident = text[i : i + 2]
        if ident in APPENDED:
            return ident
        if text.startswith("\r\n", i):
            j = i + 2
        elif text.startswith("\n", i):
            j = i + 1
        else:
            return None
        ident = text[j : j + 2]
        if ident in APPENDED:
            self.breaks.append((self.logical, text[i:j]))
            self.pos = j
            return ident
        return None

    def take_while_blank(self) -> str:
        text, i = self.text, self.pos
        j = i
        while j < len(text) and text[j] == " ":
            j += 1
        self.pos = j
        self.logical += j - i
        return text[i:j]

    def take_rest_of_line(self) -> str:
        """Unrecognised data up to the line ending or the next record start."""
        text, i = self.text, self.pos
        end = text.find("\n", i)
        if end == -1:
            end = len(text)
        elif end > i and text[end - 1] == "\r":
            end -= 1
        end = _next_start(text, i, end)
        self.pos = end
        self.logical += end - i
        return text[i:end]

    def take_eol(self) -> str:
        text, i = self.text, self.pos
        for eol in ("\r\n", "\n"):
            if text.startswith(eol, i):
                self.pos = i + len(eol)
                return eol
        return ""


def _read_record(text: str, pos: int, prefix: int, kind: RecordKind) -> tuple[Record, int]:
    cursor = _Cursor(text, pos)
    bdw = cursor.take(prefix) if prefix else None
    main = cursor.take(RECORD_LENGTH, continue_first=bool(prefix))
    short = RECORD_LENGTH - len(main)
    segments = [Segment(kind, main + " " * short if short else main, short)]
    if kind == "base" and not short:
        while (ident := cursor.peek_segment()) is not None:
            length = APPENDED[ident].length
            body = cursor.take(length)
            missing = length - len(body)
            segments.append(Segment(ident, body + " " * missing if missing else body, missing))
            if missing:
                break
    padding = cursor.take_while_blank()
    tail = cursor.take_rest_of_line()
    eol = cursor.take_eol()
    record = Record(
        kind=kind,
        segments=segments,
        bdw=bdw,
        padding=padding,
        tail=tail,
        breaks=tuple(cursor.breaks),
        eol=eol,
    )
    return record, cursor.pos


def _next_start(text: str, pos: int, end: int) -> int:
    """Where the next record starts between pos and end (end if nowhere). Inside a stretch of
    unrecognised data a base segment counts only if enough of it follows on the same line, so
    digits inside garbage are not mistaken for one."""
    for match in _RECORD_START.finditer(text, pos, end):
        start = match.start()
        if "HEADER" in match.group() or "TRAILER" in match.group():
            return start
        line_end = text.find("\n", start)
        if (len(text) if line_end == -1 else line_end) - start >= MIN_LINE_FOR_BASE:
            return start
    return end


def _recover(text: str, pos: int, at_eof: bool) -> tuple[Record, int] | None:
    """A record whose opening bytes are damaged (a bad RDW, processing indicator or time
    stamp; a misspelt HEADER or TRAILER), read as the record it is, so that the validator
    rejects it with its reasons instead of the account vanishing as unreadable data.

    A base record is taken when most of its first 19 bytes are still digits (garbage before a
    record on its line is not) and its line is long enough; in a file with line breaks it runs
    to its line end (what it holds beyond its segments is its tail), in one without, it must
    end where the next record starts."""
    kind = damaged(_peek(text, pos))
    if kind is not None:
        return _read_record(text, pos, 0, kind)
    opening = _peek(text, pos, 19)
    if len(opening) < 19 or sum(ch in "0123456789" for ch in opening) < DAMAGED_DIGITS:
        return None
    newline = text.find("\n", pos, pos + LOOKAHEAD)
    if newline == -1:
        if not at_eof and len(text) - pos < LOOKAHEAD:
            return None
        if len(text) - pos < MIN_LINE_FOR_BASE:  # too little left to be a base record: a
            return None  # lone segment (moov's k4_segment.dat) is unreadable, not a phantom
        record, end = _read_record(text, pos, 0, "base")
        if record.tail or (end < len(text) and detect(_peek(text, end)) is None):
            return None
        return record, end
    line_end = newline - 1 if newline > pos and text[newline - 1] == "\r" else newline
    if line_end - pos < MIN_LINE_FOR_BASE:
        return None
    record, end = _read_record(text, pos, 0, "base")
    if not record.eol and end < line_end:  # stopped at what looked like a record start
        record.tail += text[end:line_end]
        record.eol = "\r\n" if line_end < newline else "\n"
        end = newline + 1
    return record, end


def _resync(text: str, pos: int, at_eof: bool) -> int:
    """End of an unreadable stretch: the next record start on this line, else the line end."""
    end = text.find("\n", pos)
    line_end = len(text) if end == -1 else end + 1
    found = _next_start(text, pos + 1, line_end)
    if found < line_end:
        return found
    if end == -1 and not at_eof:
        return max(pos + 1, len(text) - 64)  # keep a little back: a record may start there
    return line_end


class Reader:
    """Iterates the items (records and gaps) of a Metro 2 stream, in order, one at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._text = ""
        self._base = 0  # file offset of self._text[0]
        self._eof = False
        self.bytes_read = 0

    def _fill(self, pos: int) -> tuple[str, int]:
        if pos > CHUNK:
            self._text = self._text[pos:]
            self._base += pos
            pos = 0
        while not self._eof and len(self._text) - pos < LOOKAHEAD:
            chunk = self._stream.read(CHUNK)
            if not chunk:
                self._eof = True
                break
            self.bytes_read += len(chunk)
            self._text += chunk.decode("latin-1")
        return self._text, pos

    def __iter__(self) -> Iterator[Item]:
        pos = 0
        number = 0
        packed = False
        while True:
            text, pos = self._fill(pos)
            if pos >= len(text):
                return
            offset = self._base + pos
            if text[pos] in "\r\n":
                end = pos
                while end < len(text) and text[end] in "\r\n":
                    end += 1
                yield Gap(raw=text[pos:end], offset=offset)
                pos = end
                continue
            packed = packed or _looks_packed(text, pos)
            if packed:
                number += 1
                item, pos = _read_packed(text, pos)
                item.number = number
                item.offset = offset
                yield item
                continue
            start = detect(_peek(text, pos))
            recovered = None if start else _recover(text, pos, self._eof)
            if recovered is not None:
                number += 1
                record, pos = recovered
                record.number = number
                record.offset = offset
                yield record
                continue
            if start is None:
                number += 1
                end = _next_packed(text, pos + 1, _resync(text, pos, self._eof))
                yield Gap(
                    raw=text[pos:end],
                    offset=offset,
                    number=number,
                    reason="not a Metro 2 record (no header, base segment or trailer starts here)",
                )
                pos = end
                continue
            number += 1
            record, pos = _read_record(text, pos, *start)
            record.number = number
            record.offset = offset
            yield record


def read(stream: BinaryIO) -> Iterator[Item]:
    """Records and gaps of a Metro 2 stream, streamed."""
    return iter(Reader(stream))


def parse_bytes(data: bytes) -> list[Item]:
    return list(read(io.BytesIO(data)))


def parse_segment(kind: str, text: str) -> Segment:
    """A lone segment (as in a fixture file): padded with blanks to its length if short."""
    length = LAYOUTS[kind].length
    body = text[:length]
    return Segment(kind, body.ljust(length), length - len(body))


@contextmanager
def open_file(path: str | Path) -> Iterator[BinaryIO]:
    """A Metro 2 file, or the single file inside a .zip (furnishers often send them zipped)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise ValueError(
                    f"{path.name}: a zip must hold exactly one Metro 2 file, found {len(members)}"
                )
            with archive.open(members[0]) as member:
                yield member  # type: ignore[misc]
    else:
        with path.open("rb") as handle:
            yield handle
