"""A monthly cycle's unchanged reports, recognised from their bytes before they are mapped.

Most of a furnisher's next cycle repeats the last one: the same account, values and consumer,
with only the activity date, the time stamp and the payment history moved on. The merge
(repo.merge_stage) already writes such a report as one narrow history row, but every record
still paid the full path to get there: mapped to account values, six blind indexes, matched,
its stored state composed as a Metro 2 record for the cycle-to-cycle rules. Here a record is
recognised as unchanged from a keyed digest of its text with those three fields left out,
compared with the digest the account's last applied report left on its tradeline
(`tradelines.report_digest`). Equal digests mean equal bytes everywhere else, so equal values,
the same identity facts (already held) and the same account: what is left to check is the
activity date (later than the last period recorded) and the payment history (the stored one
moved on one month, as merge_stage compares it). Such a record costs two HMACs and a lookup.

The digest proves sameness only with the report that set it: anything else that changes the
tradeline (a dispute's correction, a deletion, a renumbering, an erasure) clears it
(furnishing.repo), and a report the merge finds unchanged by value but whose bytes differ sets
it anew. A record that is not recognised here takes the full path, which decides as before;
this is a shortcut for the common case, never a second definition of "unchanged".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID

from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.records import Record, Segment, parse_date
from bureau.vault.indexer import BlindIndexer

# The base segment's fields that move every cycle of an unchanged account: the time stamp
# (not stored), the activity date and the payment history profile (checked apart).
_MOVING = tuple(sorted((BASE[name].slice for name in (
    "time_stamp", "date_account_information", "payment_history_profile")),
    key=lambda s: s.start))  # fmt: skip
_DATE = BASE["date_account_information"].slice
_HISTORY = BASE["payment_history_profile"]
_HISTORY_AT = _HISTORY.slice.start
assert _HISTORY.slice.stop <= _DATE.start, "the payment history comes before the activity date"
_PREFIX = b"report\x00"  # its own domain under the blind-index key (vault/indexer.py)


def _steady_text(record: Record) -> bytes:
    """The record's text without the fields that move each cycle; segments kept apart by
    their kind so no two records' texts run into the same bytes."""
    base = record.main.text
    parts, at = [], 0
    for cut in _MOVING:
        parts.append(base[at : cut.start])
        at = cut.stop
    parts.append(base[at:])
    for segment in record.appended:
        parts.append("\x00" + segment.kind + "\x00" + segment.text)
    return "\x1f".join(parts).encode("latin-1", "replace")


def report_digests(indexer: BlindIndexer, records: Sequence[Record]) -> list[bytes]:
    """Each record's digest: HMAC-SHA256 under the blind-index key, so it says nothing about
    the record to whoever reads the tradeline without that key."""
    return indexer.digests([_PREFIX + _steady_text(r) for r in records])


def eligible(record: Record) -> bool:
    """Whether a record may be recognised here at all: one row of one account. A record with
    associated consumers (J1, J2) writes a row per consumer, and one that changes an account
    number (L1) renumbers a tradeline another record may name: both take the full path."""
    return all(s.kind not in ("J1", "J2", "L1") for s in record.appended)


@dataclass(frozen=True, slots=True)
class Held:
    """An account's state as its last applied report left it (repo.digests_held)."""

    subject_id: UUID
    tradeline_id: UUID
    digest: bytes
    through: date  # the last period recorded (an unchanged period included)
    history: str | None  # the payment history as of that period


@dataclass(frozen=True, slots=True)
class Repeat:
    """A record recognised as unchanged: one narrow history row for its period."""

    record: Record
    held: Held
    period: date
    digest: bytes


def moved_on(history: str) -> str:
    """A payment history one cycle later with nothing new: its latest rating repeated in
    front (repo._shifted with one period, in Python)."""
    return history[:1] + history[:23]


def recognise(record: Record, digest: bytes, held: Held | None) -> Repeat | None:
    """The record as an unchanged report of `held`, or None (it takes the full path)."""
    if held is None or held.digest != digest or held.history is None:
        return None
    base = record.main
    try:
        period = parse_date(base.text[_DATE])
    except ValueError:
        return None
    if period <= held.through:
        return None  # the same period again, or an older one: the merge decides those
    if base.raw("payment_history_profile").rstrip(" ") != moved_on(held.history):
        return None
    return Repeat(record, held, period, digest)


def previous_record(repeat: Repeat) -> Record:
    """The account's previous report as a record, for the cycle-to-cycle rules: the same
    bytes (the digests are equal) with the stored period and payment history put back."""
    segments = repeat.record.segments
    text = segments[0].text
    history = (repeat.held.history or "").ljust(_HISTORY.length)
    text = (text[:_HISTORY_AT] + history + text[_HISTORY.slice.stop : _DATE.start]
            + _mmddyyyy(repeat.held.through) + text[_DATE.stop :])  # fmt: skip
    previous = [Segment("base", text), *(Segment(s.kind, s.text) for s in segments[1:])]
    return Record("base", previous, number=repeat.record.number)


@lru_cache(maxsize=64)
def _mmddyyyy(day: date) -> str:
    """A Metro 2 date (most accounts of a cycle share their last period)."""
    return f"{day.month:02d}{day.day:02d}{day.year:04d}"


def held_by_ref(rows: Sequence[Mapping[str, Any]]) -> dict[bytes, Held]:
    """repo.digests_held's rows by account reference."""
    held = {}
    for row in rows:
        held[bytes(row["account_ref"])] = Held(
            row["subject_id"], row["tradeline_id"], bytes(row["report_digest"]),
            row["reported_through"], row["reported_history"],
        )  # fmt: skip
    return held
