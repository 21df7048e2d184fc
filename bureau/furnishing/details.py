"""Account details from the K2, K3 and K4 segments: who the account was bought from or sold to,
the mortgage's agency and identification numbers, and balloon or deferred payments.

They are part of what the consumer owes and to whom, so they are stored with the account (one
JSON object on the tradeline, keyed by segment, fields by their Metro 2 names, typed as JSON:
codes as their text, dates ISO, amounts whole dollars), shown in the disclosure with the
codes' meanings, and written back on export. Like every other field, the latest report of the
account is what the file shows; earlier reports stay in the account's history. A K2 with
indicator 9 (remove previously reported K2 information) leaves no K2 behind.

The L1 segment (account change) is kept with them, as the latest report's, though it is neither
shown nor exported: ingest applies it (the account is renumbered), and the next cycle's
PROG-AccountChange rules compare with it, as they compare with the previous file's L1.

Pure: no database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bureau.furnishing.metro2 import codes
from bureau.furnishing.metro2.layout import APPENDED, Field
from bureau.furnishing.metro2.records import Record, Segment, Value

# The segments kept, and what the disclosure calls them.
SEGMENTS = {"K2": "purchased_from_sold_to", "K3": "mortgage", "K4": "specialized_payment"}
CHANGE = "L1"  # kept for the cycle-to-cycle rules only
_REMOVE_K2 = "9"

Details = dict[str, dict[str, Any]]


def _kept(f: Field) -> bool:
    return f.name != "segment_identifier" and not f.name.startswith("reserved")


def _as_json(f: Field, segment: Segment) -> Any:
    if f.codes is not None:  # a code keeps its text ("01"), as the code tables have it
        return segment.raw(f.name).strip() or None
    value = segment.get(f.name)
    if isinstance(value, date):
        return value.isoformat()
    return None if value == "" else value


def from_record(record: Record) -> Details | None:
    """The details a (validated) base record carries, or None."""
    details: Details = {}
    for kind in (*SEGMENTS, CHANGE):
        for segment in record.appended_of(kind)[:1]:
            fields = {f.name: _as_json(f, segment) for f in segment.layout.fields if _kept(f)}
            if kind == "K2" and fields["purchased_sold_indicator"] == _REMOVE_K2:
                continue
            details[kind] = fields
    return details or None


def _as_value(f: Field, value: Any) -> Value:
    if value is None:
        return None
    if f.type == "D":
        return date.fromisoformat(value)
    if f.type == "N":
        return int(value)
    return str(value)


def to_segments(details: Details | None) -> list[tuple[str, dict[str, Value]]]:
    """The appended segments that report these details again (export)."""
    segments: list[tuple[str, dict[str, Value]]] = []
    for kind in SEGMENTS:
        fields = (details or {}).get(kind)
        if fields is not None:
            layout = APPENDED[kind]
            segments.append(
                (kind, {name: _as_value(layout[name], v) for name, v in fields.items()})
            )
    return segments


def change_segments(change: dict[str, Any] | None) -> list[tuple[str, dict[str, Value]]]:
    """The L1 segment of the latest report (stored under CHANGE), to compare a cycle with."""
    if not change:
        return []
    layout = APPENDED[CHANGE]
    return [(CHANGE, {name: _as_value(layout[name], v) for name, v in change.items()})]


def in_words(details: Details | None) -> dict[str, dict[str, Any]] | None:
    """The details as the disclosure shows them: each code next to its meaning."""
    if not details:
        return None
    shown: dict[str, dict[str, Any]] = {}
    for kind, title in SEGMENTS.items():
        fields = details.get(kind)
        if fields is None:
            continue
        layout = APPENDED[kind]
        entry: dict[str, Any] = {}
        for name, value in fields.items():
            entry[name] = value
            table = layout[name].codes
            if table is not None and value is not None:
                entry[f"{name}_meaning"] = codes.meaning(table, str(value))
        shown[title] = entry
    return shown or None  # an L1 alone is nothing to show
