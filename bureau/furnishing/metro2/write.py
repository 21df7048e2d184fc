"""Writing Metro 2: records back to bytes, and new records composed from typed values.

Parsed records are written exactly as read (round trip, byte for byte). Composed records are
strict: every field is encoded by the layout table, record descriptor words are the true
lengths, one record per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import BinaryIO

from bureau.furnishing.metro2.layout import LAYOUTS, RECORDS
from bureau.furnishing.metro2.records import (
    FieldError,
    Gap,
    Item,
    Record,
    RecordKind,
    Segment,
    Value,
    encode,
)


def item_text(item: Item) -> str:
    if isinstance(item, Gap):
        return item.raw
    logical = (item.bdw or "") + item.body()
    if item.breaks:
        parts: list[str] = []
        last = 0
        for at, text in item.breaks:
            parts.append(logical[last:at])
            parts.append(text)
            last = at
        parts.append(logical[last:])
        logical = "".join(parts)
    return logical + item.eol


def item_bytes(item: Item) -> bytes:
    return item_text(item).encode("latin-1")


def write(items: Iterable[Item], out: BinaryIO) -> int:
    """Write items to a binary stream; returns the number of bytes written."""
    size = 0
    for item in items:
        data = item_bytes(item)
        out.write(data)
        size += len(data)
    return size


def to_bytes(items: Iterable[Item]) -> bytes:
    return b"".join(item_bytes(item) for item in items)


class ComposeError(ValueError):
    """A value that cannot be written into its field: names the segment, field and reason."""

    def __init__(self, kind: str, field: str, reason: str) -> None:
        super().__init__(f"{kind}.{field}: {reason}")
        self.kind = kind
        self.field = field
        self.reason = reason


def compose_segment(kind: str, values: Mapping[str, Value]) -> Segment:
    """A segment from typed values; fields not given are blank (A) or zero-filled (N, D, T)."""
    layout = LAYOUTS[kind]
    unknown = set(values) - set(layout.by_name)
    if unknown:
        name = sorted(unknown)[0]
        raise ComposeError(kind, name, "no such field in this segment")
    parts: list[str] = []
    for f in layout.fields:
        if f.name == "segment_identifier" and kind not in RECORDS:
            value: Value = kind
        elif f.name == "record_identifier":
            value = kind.upper()
        else:
            value = values.get(f.name)
        try:
            parts.append(encode(f, value))
        except FieldError as exc:
            raise ComposeError(kind, f.name, exc.reason) from None
    return Segment(kind, "".join(parts))


def compose_record(
    kind: RecordKind,
    values: Mapping[str, Value],
    appended: Iterable[tuple[str, Mapping[str, Value]]] = (),
) -> Record:
    """A record (header, base with appended segments, or trailer) with a true RDW, ending in a
    newline. The RDW given in values, if any, is replaced by the record's real length."""
    fields = {k: v for k, v in values.items() if k != "record_descriptor_word"}
    segments = [compose_segment(kind, fields)]
    segments += [compose_segment(sub, sub_values) for sub, sub_values in appended]
    length = sum(len(s.text) for s in segments)
    main = segments[0]
    rdw = LAYOUTS[kind]["record_descriptor_word"]
    main.replace_text(encode(rdw, length) + main.text[rdw.length :])
    return Record(kind=kind, segments=segments, eol="\n")
