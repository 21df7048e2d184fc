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

import numpy as np

from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.records import Record, Segment, parse_date
from bureau.vault.indexer import BlindIndexer

# The base segment's fields that move every cycle of an unchanged account: the time stamp
# (not stored), the activity date and the payment history profile (checked apart).
_MOVING = tuple(BASE[name].slice for name in (
    "time_stamp", "payment_history_profile", "date_account_information"))  # fmt: skip
_MOVING_COLUMNS = np.concatenate([np.arange(s.start, s.stop) for s in _MOVING])
_DATE = BASE["date_account_information"].slice
_HISTORY = BASE["payment_history_profile"]
_HISTORY_AT = _HISTORY.slice.start
assert _HISTORY.slice.stop <= _DATE.start, "the payment history comes before the activity date"
_NUMBER = BASE["consumer_account_number"].slice
_PREFIX = b"report\x00"  # its own domain under the blind-index key (vault/indexer.py)


def _steady_text(record: Record) -> bytes:
    """The record's bytes with the fields that move each cycle blanked; appended segments
    follow, each behind its kind, so no two records' texts run into the same bytes. A base
    segment alone is its row blanked the same way (`row_digests`)."""
    base = bytearray(record.main.text.encode("latin-1", "replace"))
    for cut in _MOVING:
        base[cut] = b" " * (cut.stop - cut.start)
    for segment in record.appended:
        base += (
            b"\x00" + segment.kind.encode() + b"\x00" + segment.text.encode("latin-1", "replace")
        )
    return bytes(base)


def report_digests(indexer: BlindIndexer, records: Sequence[Record]) -> list[bytes]:
    """Each record's digest: HMAC-SHA256 under the blind-index key, so it says nothing about
    the record to whoever reads the tradeline without that key."""
    return indexer.digests([_PREFIX + _steady_text(r) for r in records])


def row_digests(indexer: BlindIndexer, rows: np.ndarray) -> list[bytes]:
    """report_digests of base records without appended segments, from their rows (a
    columnar block's, as uint8), with no record made."""
    blanked = rows.copy()
    blanked[:, _MOVING_COLUMNS] = ord(" ")
    return indexer.digests([_PREFIX + text for text in row_texts(blanked)])


def row_texts(rows: np.ndarray) -> list[bytes]:
    """Each row's bytes. (A checked row holds printable characters only: no NUL, which the
    fixed-width view would drop from its end.)"""
    if not len(rows):
        return []
    return np.ascontiguousarray(rows).view(f"S{rows.shape[1]}").ravel().tolist()


def row_account_numbers(rows: np.ndarray) -> list[str]:
    """The consumer account number of each row, as the record's field reads (blank fill off)."""
    return [text.decode("latin-1").rstrip(" ") for text in row_texts(rows[:, _NUMBER])]


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
    base = record.main.text
    period = repeated_period(digest, base[_DATE], base[_HISTORY.slice], held)
    if period is None or held is None:
        return None
    return Repeat(record, held, period, digest)


def repeated_period(digest: bytes, date_text: str, history_text: str,
                    held: Held | None) -> date | None:  # fmt: skip
    """The period a record with this digest, activity date and payment history (their
    texts) repeats `held` for: a later one, its profile the stored one moved on one month;
    else None."""
    if held is None or held.digest != digest or held.history is None:
        return None
    try:
        period = parse_date(date_text)
    except ValueError:
        return None
    if period <= held.through:
        return None  # the same period again, or an older one: the merge decides those
    if history_text.rstrip(" ") != moved_on(held.history):
        return None
    return period


def previous_record(repeat: Repeat) -> Record:
    """The account's previous report as a record, for the cycle-to-cycle rules: the same
    bytes (the digests are equal) with the stored period and payment history put back."""
    segments = repeat.record.segments
    text = segments[0].text
    history = (repeat.held.history or "").ljust(_HISTORY.length)
    text = (text[:_HISTORY_AT] + history + text[_HISTORY.slice.stop : _DATE.start]
            + _mmddyyyy(repeat.held.through) + text[_DATE.stop :])  # fmt: skip
    base = Segment("base", text)
    base.decoded.update(segments[0].decoded)  # what is decoded already, but for the two
    base.decoded.pop("date_account_information", None)
    base.decoded.pop("payment_history_profile", None)
    previous = [base, *(Segment(s.kind, s.text) for s in segments[1:])]
    return Record("base", previous, number=repeat.record.number)


def previous_rows(rows: np.ndarray, held: Sequence[Held]) -> np.ndarray:
    """previous_record for rows of base records without appended segments: each row with
    its account's stored payment history and last period put back."""
    out = rows.copy()
    if not len(out):
        return out
    histories = "".join((h.history or "").ljust(_HISTORY.length) for h in held)
    out[:, _HISTORY.slice] = np.frombuffer(histories.encode("latin-1"), dtype=np.uint8).reshape(
        len(out), _HISTORY.length)  # fmt: skip
    dates = "".join(_mmddyyyy(h.through) for h in held)
    out[:, _DATE] = np.frombuffer(dates.encode(), dtype=np.uint8).reshape(len(out), 8)
    return out


@lru_cache(maxsize=64)
def _mmddyyyy(day: date) -> str:
    """A Metro 2 date (most accounts of a cycle share their last period)."""
    return f"{day.month:02d}{day.day:02d}{day.year:04d}"


def held_by_ref(rows: Sequence[Mapping[str, Any]]) -> dict[bytes, Held]:
    """repo.digests_held's rows that a digest vouches for, by account reference."""
    held = {}
    for row in rows:
        if row["report_digest"] is not None:
            held[bytes(row["account_ref"])] = Held(
                row["subject_id"], row["tradeline_id"], bytes(row["report_digest"]),
                row["reported_through"], row["reported_history"],
            )  # fmt: skip
    return held
