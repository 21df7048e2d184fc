"""A Metro 2 file validated a block at a time: every check of validate.py as a column
expression over the block's plain base records, and the per-record path only for the
records some check fails (to produce their problems, exactly as validate.py words them) and
for the lines that are not plain (blocks.py).

The result is the same sequence of problems as validate.FileValidator fed record by record,
with the same counters; `FileValidator` state is shared, so irregular items, explained
records and plain ones interleave in file order.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from datetime import date
from typing import BinaryIO

import numpy as np

from bureau.furnishing.metro2.codes import TABLES
from bureau.furnishing.metro2.columnar.blocks import BLOCK, BlockReader, Plain
from bureau.furnishing.metro2.columnar.evaluate import (
    Batch,
    Evaluator,
    Pairing,
    activity_column,
    day_number,
)
from bureau.furnishing.metro2.columnar.fields import (
    SPACE,
    ZERO,
    Ints,
    Mask,
    Segments,
    all_digits,
)
from bureau.furnishing.metro2.layout import BASE, LAYOUTS, TRAILER_STATUS_CODES
from bureau.furnishing.metro2.records import Item
from bureau.furnishing.metro2.rules import CONSISTENCY
from bureau.furnishing.metro2.validate import (
    SEGMENT_ORDER,
    SINGLE_SEGMENTS,
    AccountKey,
    FileValidator,
    Problem,
    reporting_period_start,
)

SINGLE = tuple(r for r in CONSISTENCY if not r.across_cycles)
_HISTORY = np.zeros(256, dtype=bool)
_HISTORY[[ord(c) for c in TABLES["payment_history"]]] = True


def _is(raw: np.ndarray, text: str) -> Mask:
    return (raw == np.frombuffer(text.encode(), dtype=np.uint8)).all(axis=1)


def _reported(raw: np.ndarray) -> Mask:
    """Not blank and not all zeros (totals.py's `_reported`, validate.py's M2-F07)."""
    return ~((raw == SPACE) | (raw == ZERO)).all(axis=1)


def base_problems(base: Segments, lengths: Ints | None = None) -> Mask:
    """Records some structure or field check of validate.check_record would report on their
    base segment (`lengths`: each record's length, 426 when not given)."""
    bad = base.field_problems()  # M2-F01, F02, F03 (coded fields), F06
    bad |= ~_is(base.raw("processing_indicator"), "1")  # M2-F04
    bad |= ~_HISTORY[base.raw("payment_history_profile")].all(axis=1)  # M2-F03
    terms = base.raw("terms_duration")
    bad |= ~((terms == SPACE).all(axis=1) | all_digits(terms) | _is(terms, "LOC")
             | _is(terms, "REV"))  # M2-F05  # fmt: skip
    bad |= ~_reported(base.raw("ssn")) & ~_reported(base.raw("date_of_birth"))  # M2-F07
    rdw = base.raw("record_descriptor_word")  # M2-S04: the record's length
    if lengths is None:
        bad |= all_digits(rdw) & ~_is(rdw, "0426")
    else:
        said = (rdw.astype(np.int64) - ZERO) @ np.array([1000, 100, 10, 1], dtype=np.int64)
        bad |= all_digits(rdw) & (said != lengths)
    return bad


def appended_problems(block: Plain) -> Mask:
    """Records some check of validate.check_record would report on an appended segment:
    its fields (M2-F01 .. F06), an empty placeholder (M2-S10), segments out of the CRRG's
    order (M2-S11) or a single segment twice (M2-S09)."""
    bad = np.zeros(len(block), dtype=bool)
    for kind, (rows, record) in block.appended.items():
        segments = Segments(LAYOUTS[kind], rows)
        empty = ((rows[:, 2:] == SPACE) | (rows[:, 2:] == ZERO)).all(axis=1)
        bad[record[segments.field_problems() | empty]] = True
    for row, chain in block.segments.items():
        kinds = [kind for kind, _ in chain]
        ranks = [SEGMENT_ORDER.index(kind) for kind in kinds]
        if ranks != sorted(ranks) or any(kinds.count(k) > 1 for k in SINGLE_SEGMENTS):
            bad[row] = True
    return bad


def rule_problems(base: Segments, activity: date | None,
                  appended: dict[str, tuple[Segments, Ints]] | None = None) -> Mask:  # fmt: skip
    """Records on which some single-record consistency rule finds something (`appended`:
    the records' appended segments by kind, with the row of the record each belongs to)."""
    batch = Batch(base, dict(appended or {}), activity_column(activity, len(base)))
    evaluator = Evaluator(Pairing(batch))
    bad = np.zeros(len(base), dtype=bool)
    for rule in SINGLE:
        bad |= evaluator.hits(rule)
    return bad


def outside_period(base: Segments, activity: date | None) -> Mask:
    """M2-S13: a date of account information outside the header's reporting period."""
    doai = base.column("date_account_information")
    if activity is None:
        return np.zeros(len(base), dtype=bool)
    start = reporting_period_start(activity)
    value = doai.value  # type: ignore[union-attr]
    inside = (value >= day_number(start)) & (value <= day_number(activity))
    return doai.valid & ~inside


class ColumnarValidator:
    """Validates a stream: `problems()` yields each item's problems (for a report or the
    command line), `items()` every item with its problems (for ingest, which stores them)."""

    def __init__(self, duplicates: Mapping[AccountKey, list[int]] | None = None,
                 block: int = BLOCK) -> None:  # fmt: skip
        self.file = FileValidator(duplicates)
        self.block = block
        self.plain = 0  # records that took the columnar path
        self.explained = 0  # plain records some check failed, explained by the per-record path
        self.reader: BlockReader | None = None

    def items(self, stream: BinaryIO) -> Iterator[tuple[Item, list[Problem]]]:
        for block, flagged in self.blocks(stream):
            yield from self.block_items(block, flagged)

    @staticmethod
    def block_items(block: object, flagged: Mapping[int, tuple[Item, list[Problem]]],
                    skip: Container[int] = ()) -> Iterator[tuple[Item, list[Problem]]]:  # fmt: skip
        """A block's items with their problems, in file order; a plain block's rows in `skip`
        (handled from the block itself, as an ingest's unchanged records are) left out."""
        if isinstance(block, Plain):
            for i in range(len(block)):
                if i in skip:
                    continue
                found = flagged.get(i)
                yield (found[0], found[1]) if found else (block.record(i), [])
        else:
            yield from flagged.values()

    def problems(self, stream: BinaryIO) -> Iterator[Problem]:
        for _, flagged in self.blocks(stream):
            for _, problems in flagged.values():
                yield from problems

    @property
    def bytes_read(self) -> int:
        return self.reader.bytes_read if self.reader is not None else 0

    def finish(self) -> list[Problem]:
        return self.file.finish()

    def blocks(
        self, stream: BinaryIO
    ) -> Iterator[tuple[object, dict[int, tuple[Item, list[Problem]]]]]:
        """Each block as read (a `Plain` block of rows, or a list of items read one by one),
        checked, with the items some check failed and their problems; a plain block's other
        rows passed every check."""
        self.reader = BlockReader(stream, self.block)
        for block in self.reader:
            if isinstance(block, Plain):
                yield block, self._plain(block)
            else:
                yield block, {i: (item, self.file.check(item)) for i, item in enumerate(block)}

    def _plain(self, block: Plain) -> dict[int, tuple[Item, list[Problem]]]:
        """Check a block of plain base records; explain the ones that fail."""
        file = self.file
        base = Segments(BASE, block.rows)
        n = len(block)
        appended = {kind: (Segments(LAYOUTS[kind], rows), record)
                    for kind, (rows, record) in block.appended.items()}  # fmt: skip
        bad = base_problems(base, block.lengths)
        bad |= appended_problems(block)
        bad |= rule_problems(base, file.activity, appended)
        bad |= outside_period(base, file.activity)
        if file.trailer is not None:
            bad[:] = True  # M2-S08: records after the trailer
        if file.headers == 0 and file.totals.records == 0:
            bad[0] = True  # M2-S07: the file does not start with a header
        failing = bad.tolist()
        keys = self._keys(block, base, failing)
        explained: dict[int, tuple[Item, list[Problem]]] = {}
        numbers = block.numbers.tolist()
        tracked = [k for k in keys if k[1]]
        batch = set(tracked)
        duplicates = file.duplicates or {}
        if len(batch) == len(tracked) and file.seen.keys().isdisjoint(batch) and \
                duplicates.keys().isdisjoint(batch):  # fmt: skip
            # no account twice: the failing records are checked in order, the others'
            # accounts are remembered all at once (no record's check reads another's)
            for i in np.flatnonzero(bad).tolist():
                record = block.record(i)
                explained[i] = (record, file.check(record))
            if file.duplicates is None:  # known beforehand, they need no memory of keys
                file.seen.update(
                    (keys[i], numbers[i]) for i in range(n) if not failing[i] and keys[i][1]
                )
        else:
            for i in range(n):
                key = keys[i]
                if key[1] and (key in file.seen or key in duplicates):
                    failing[i] = True  # M2-S12
                if failing[i]:
                    record = block.record(i)
                    explained[i] = (record, file.check(record))
                elif key[1] and file.duplicates is None:
                    file.seen[key] = numbers[i]
        clean = ~np.array(failing, dtype=bool)
        # records with appended segments are counted one by one (their segments have totals)
        with_segments = np.zeros(n, dtype=bool)
        with_segments[list(block.segments)] = True
        for i in np.flatnonzero(clean & with_segments).tolist():
            file.totals.add(block.record(i))
        self._count(base, clean & ~with_segments)
        file.bases += int(clean.sum())
        file.last_number = numbers[-1]
        self.plain += n
        self.explained += n - int(clean.sum())
        return explained

    @staticmethod
    def _keys(block: Plain, base: Segments, failing: list[bool]) -> list[AccountKey]:
        """validate.account_key of every row: records that pass are printable ASCII, whose
        bytes strip as the text would; the others are read as text."""
        out = []
        for name in ("identification_number", "consumer_account_number"):
            raw = base.raw(name)
            texts = [t.strip().decode("ascii", "replace") for t in
                     np.ascontiguousarray(raw).view(f"S{raw.shape[1]}").ravel().tolist()]  # fmt: skip
            for i in np.flatnonzero(failing).tolist():
                texts[i] = raw[i].tobytes().decode("latin-1").strip()
            out.append(texts)
        return list(zip(out[0], out[1], strict=True))

    def _count(self, base: Segments, clean: Mask) -> None:
        """The trailer totals of the records not fed to FileValidator.check (totals.py)."""
        totals = self.file.totals
        k = int(clean.sum())
        totals.records += k
        if not k:
            return

        def bump(name: str, by: int) -> None:
            if by:
                totals.counts[name] = totals.counts.get(name, 0) + by

        bump("total_base_records", k)
        status = base.raw("account_status")[clean]
        for code in TRAILER_STATUS_CODES:
            bump(f"total_status_{code.lower()}", int(_is(status, code).sum()))
        bump("total_ecoa_z", int(_is(base.raw("ecoa_code")[clean], "Z").sum()))
        for field, names in (("ssn", ("total_ssn_all", "total_ssn_base")),
                             ("date_of_birth", ("total_dob_all", "total_dob_base")),
                             ("telephone", ("total_telephone_all",))):  # fmt: skip
            reported = int(_reported(base.raw(field)[clean]).sum())
            for name in names:
                bump(name, reported)
