"""The cycle-to-cycle rules (PHP-*, PROG-*) over a batch of accounts paired with their
previous cycle, as column expressions: the caller fetches the previous records for the whole
batch in one set-based lookup (ingest: repo.previous_cycles; the command line: cycles.History)
and this evaluates every cycle rule once over the pairs. Only the pairs some rule finds
something on are explained by validate.check_cycle, so their problems read as before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from bureau.furnishing.metro2.columnar.evaluate import Batch, Evaluator, Pairing, day_number
from bureau.furnishing.metro2.columnar.fields import Day, Segments
from bureau.furnishing.metro2.layout import APPENDED, BASE
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.rules import CONSISTENCY
from bureau.furnishing.metro2.validate import Problem, check_cycle

ACROSS = tuple(r for r in CONSISTENCY if r.across_cycles)


def _rows(texts: list[str], length: int) -> np.ndarray:
    data = np.frombuffer("".join(texts).encode("latin-1"), dtype=np.uint8)
    return data.reshape(-1, length) if texts else np.zeros((0, length), dtype=np.uint8)


def batch_of(records: Sequence[Record | None], activity: Sequence[date | None]) -> Batch:
    """Base records (None: no record, read as blanks) with their appended segments."""
    blank = " " * BASE.length
    base = Segments(BASE, _rows([r.main.text if r else blank for r in records], BASE.length))
    # one pass over the records (most have no appended segment), grouped by kind
    found: dict[str, tuple[list[str], list[int]]] = {}
    for i, record in enumerate(records):
        if record is not None and len(record.segments) > 1:
            for segment in record.appended:
                texts, owners = found.setdefault(segment.kind, ([], []))
                texts.append(segment.text)
                owners.append(i)
    appended: dict[str, tuple[Segments, np.ndarray]] = {}
    for kind, layout in APPENDED.items():
        if kind in found:
            texts, owners = found[kind]
            appended[kind] = (Segments(layout, _rows(texts, layout.length)),
                              np.array(owners, dtype=np.int64))  # fmt: skip
    days = Day(np.array([day_number(a) if a else 0 for a in activity], dtype=np.int64),
               np.array([a is not None for a in activity], dtype=bool))  # fmt: skip
    return Batch(base, appended, days)


def cycle_hits(pairing: Pairing) -> np.ndarray:
    """Which records some cycle rule finds something on, evaluated for the whole batch."""
    evaluator = Evaluator(pairing)
    hit = np.zeros(len(pairing.now), dtype=bool)
    for rule in ACROSS:
        hit |= evaluator.hits(rule)
    return hit


def no_activity(n: int) -> Day:
    """No header activity date for any of n records (the rules that read it do not apply)."""
    return Day(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))


def cycle_problems(records: Sequence[Record], previous: Sequence[Record | None],
                   activity: Sequence[date | None] | None = None,
                   previous_activity: Sequence[date | None] | None = None,
                   ) -> list[list[Problem]]:  # fmt: skip
    """The cycle-to-cycle problems of each record against its account's previous record
    (None: the account has none), as check_cycle gives them, evaluated for the batch."""
    n = len(records)
    now_days = activity if activity is not None else [None] * n
    prev_days = previous_activity if previous_activity is not None else [None] * n
    present = np.array([p is not None and p.kind == "base" for p in previous], dtype=bool)
    usable = [r.kind == "base" for r in records]
    pairing = Pairing(batch_of([r if ok else None for r, ok in zip(records, usable, strict=True)],
                               now_days),
                      batch_of([p if ok else None for p, ok in zip(previous, present, strict=True)],
                               prev_days), present)  # fmt: skip
    hit = cycle_hits(pairing)
    out: list[list[Problem]] = [[] for _ in range(n)]
    for i in np.flatnonzero(hit & present & np.array(usable, dtype=bool)).tolist():
        earlier = previous[i]
        assert earlier is not None
        out[i] = check_cycle(records[i], earlier, now_days[i], prev_days[i])
    return out
