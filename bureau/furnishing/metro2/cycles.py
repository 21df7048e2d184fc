"""Pairing a file's records with the same accounts' records of earlier cycles, stateless.

`bureau metro2 validate CURRENT --previous PREVIOUS ...` reads the earlier files whole into an
index (account number -> its latest earlier record), like the CFPB's exam runs: a record is
paired with the record of the same Consumer Account Number that has the latest Activity Date
(header) before the current file's. Ingest does the same against the furnisher's stored
history instead (ingest.py), so the same rules run either way (consistency.cycle_findings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bureau.furnishing.metro2.records import Item, Record


@dataclass(frozen=True)
class Earlier:
    record: Record
    activity: date | None


def file_activity(items: Iterable[Item]) -> date | None:
    """The activity date of a file's first header record, if it has one."""
    for item in items:
        if isinstance(item, Record) and item.kind == "header":
            value = item.main.get("activity_date")
            return value if isinstance(value, date) else None
    return None


def account_key(record: Record) -> str:
    return record.main.raw("consumer_account_number").strip()


class History:
    """The latest earlier record of each account, across any number of earlier files."""

    def __init__(self) -> None:
        self.by_account: dict[str, Earlier] = {}

    def add_file(self, items: list[Item]) -> None:
        activity = file_activity(items)
        for item in items:
            if not isinstance(item, Record) or item.kind != "base":
                continue
            key = account_key(item)
            held = self.by_account.get(key)
            if held is None or _later(activity, held.activity):
                self.by_account[key] = Earlier(item, activity)

    def previous(self, record: Record, activity: date | None) -> Earlier | None:
        """The account's latest record from a file before `activity` (any earlier file when
        either date is unknown)."""
        held = self.by_account.get(account_key(record))
        if held is None:
            return None
        if activity is not None and held.activity is not None and held.activity >= activity:
            return None  # the "previous" file is this cycle or a later one
        return held


def _later(a: date | None, b: date | None) -> bool:
    return a is not None and (b is None or a > b)
