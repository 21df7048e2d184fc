"""The declarative rules (predicates.py, rules.py, catalogue.py) evaluated as column
expressions over a batch of records: one boolean mask per rule, the same answers as the
record-by-record engine.

Rules are read from the rule tables themselves (no second copy here), so a rule added or
changed there is evaluated here as it is. A quantifier (`Some`, and a rule's `each`) expands
the frame of rows being evaluated into one row per (record, appended segment) and folds the
answer back per record with `any`. Values follow predicates.py exactly: None (an invalid
column entry) compares false, except under `same`/`differs`; a number's text is its digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from bureau.furnishing.metro2 import consistency
from bureau.furnishing.metro2.columnar.fields import (
    Column,
    Day,
    Ints,
    Mask,
    Number,
    Segments,
    Text,
    code_keys,
    text_keys,
)
from bureau.furnishing.metro2.columnar.patterns import Pattern
from bureau.furnishing.metro2.layout import LAYOUTS
from bureau.furnishing.metro2.predicates import (
    SEGMENT_GROUPS,
    All,
    AnyOf,
    Blank,
    Cmp,
    Cycle,
    HasPrevious,
    In,
    Matches,
    Not,
    Pred,
    Ref,
    Some,
)
from bureau.furnishing.metro2.rule import Rule

_EPOCH = date(1970, 1, 1).toordinal()
_NEGATIVE = Pattern(consistency._NEGATIVE.pattern)  # an amount below zero


def day_number(value: date) -> int:
    return value.toordinal() - _EPOCH


@dataclass
class Batch:
    """One cycle's records: base segments (row i is record i), their appended segments by
    kind with the row of the record each belongs to (in record order), and the header's
    activity date (per row, for a previous cycle gathered from several files)."""

    base: Segments
    appended: dict[str, tuple[Segments, Ints]] = field(default_factory=dict)
    activity: Day | None = None

    def __len__(self) -> int:
        return len(self.base)

    def kind(self, kind: str) -> tuple[Segments, Ints]:
        if kind == "base":
            return self.base, np.arange(len(self.base), dtype=np.int64)
        if kind not in self.appended:
            rows = np.zeros((0, LAYOUTS[kind].length), dtype=np.uint8)
            self.appended[kind] = (Segments(LAYOUTS[kind], rows), np.zeros(0, dtype=np.int64))
        return self.appended[kind]


def activity_column(activity: date | None, n: int) -> Day:
    value = day_number(activity) if activity is not None else 0
    return Day(np.full(n, value, dtype=np.int64), np.full(n, activity is not None))


@dataclass
class Pairing:
    """What a cycle rule reads: this cycle's batch and the previous cycle's records aligned
    with it (row i of `previous` is record i's account last cycle, where `present`)."""

    now: Batch
    previous: Batch | None = None
    present: Mask | None = None


@dataclass
class _Frame:
    rec: Ints  # the record each row is about
    bound: dict[tuple[Cycle, str], tuple[str, Ints]]  # quantified segments: kind, row


def _take(col: Column, idx: Ints) -> Column:
    if isinstance(col, Text):
        return Text(col.data[idx], col.length[idx], col.valid[idx])
    return type(col)(col.value[idx], col.valid[idx])


def _invalid(col: Column, absent: Mask) -> Column:
    if isinstance(col, Text):
        return Text(col.data, col.length, col.valid & ~absent)
    return type(col)(col.value, col.valid & ~absent)


def _shift(col: Column, ref: Ref) -> Column:
    if not isinstance(col, Day) or not (ref.days or ref.years):
        return col
    value = col.value
    if ref.years:
        days = value.astype("datetime64[D]")
        years = days.astype("datetime64[Y]")
        months = days.astype("datetime64[M]")
        month = (months - years.astype("datetime64[M]")).astype(np.int64)
        day = (days - months.astype("datetime64[D]")).astype(np.int64)
        year = years.astype(np.int64) + 1970 + ref.years
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        day = np.where((month == 1) & (day == 28) & ~leap, 27, day)  # 29 February -> 28th
        start = ((year - 1970) * 12 + month).astype("datetime64[M]").astype("datetime64[D]")
        value = start.astype(np.int64) + day
    return Day(value + ref.days, col.valid)


def _const(value: object, n: int) -> Column:
    if isinstance(value, bool) or not isinstance(value, int | str | date):
        raise NotImplementedError(f"constant {value!r}")
    if isinstance(value, int):
        return Number(np.full(n, value, dtype=np.int64), np.ones(n, dtype=bool))
    if isinstance(value, date):
        return Day(np.full(n, day_number(value), dtype=np.int64), np.ones(n, dtype=bool))
    data = np.frombuffer(value.encode("latin-1"), dtype=np.uint8)
    rows = np.tile(data, (n, 1)) if len(data) else np.zeros((n, 0), dtype=np.uint8)
    return Text(rows, np.full(n, len(data), dtype=np.int64), np.ones(n, dtype=bool))


def _text_equal(a: Text, b: Text) -> Mask:
    width = max(a.data.shape[1], b.data.shape[1])
    left, right = _pad(a.data, width), _pad(b.data, width)
    cols = np.arange(width)
    same = (left == right) | (cols >= a.length[:, None])
    return (a.length == b.length) & same.all(axis=1)


def _pad(data: np.ndarray, width: int) -> np.ndarray:
    if data.shape[1] == width:
        return data
    out = np.full((len(data), width), 32, dtype=np.uint8)
    out[:, : data.shape[1]] = data
    return out


def _fold(col: Column) -> Text:
    """_text(value).casefold() for ASCII text (a record with any other byte is rejected by
    M2-F06 whatever its rules say)."""
    if not isinstance(col, Text):
        raise NotImplementedError("folding a number or a date")
    data = col.data.copy()
    upper = (data >= 65) & (data <= 90)
    data[upper] += 32
    length = np.where(col.valid, col.length, 0)
    return Text(data, length, np.ones(len(data), dtype=bool))


def _equal(a: Column, b: Column) -> Mask:
    if isinstance(a, Text) and isinstance(b, Text):
        return _text_equal(a, b)
    assert not isinstance(a, Text) and not isinstance(b, Text)
    return a.value == b.value


def compare(a: Column, op: str, b: Column) -> Mask:
    both = a.valid & b.valid
    same_type = type(a) is type(b)
    if op in ("same", "differs"):
        same = ~a.valid & ~b.valid
        if same_type:
            same = same | (both & _equal(a, b))
        return same if op == "same" else ~same
    if not same_type:
        return both if op == "!=" else np.zeros(len(both), dtype=bool)
    if op == "==":
        return both & _equal(a, b)
    if op == "!=":
        return both & ~_equal(a, b)
    if isinstance(a, Text) or isinstance(b, Text):
        raise NotImplementedError("ordering text")
    ordered = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[op]
    return both & ordered(a.value, b.value)


def _members(col: Column, codes: frozenset[str], as_text: bool) -> Mask:
    """`(value or '') in codes` (as_text: alphanumerics) or `_text(value) in codes`."""
    blank_code = "" in codes
    if isinstance(col, Text):
        length = np.where(col.valid, col.length, 0)
        if col.data.shape[1] <= 7:
            return np.isin(text_keys(col.data, length), code_keys(codes, col.data.shape[1]))
        hit = np.zeros(len(length), dtype=bool)
        for code in codes:
            hit |= _text_equal(Text(col.data, length, col.valid), _const(code, len(length)))  # type: ignore[arg-type]
        return hit
    hit = ~col.valid if blank_code else np.zeros(len(col.valid), dtype=bool)
    if isinstance(col, Number):
        numbers = [int(c) for c in codes if c.isascii() and c.isdigit() and str(int(c)) == c]
        return hit | (col.valid & np.isin(col.value, np.array(numbers, dtype=np.int64)))
    if any(codes - {""}):
        raise NotImplementedError("a date among codes")
    return hit


class Evaluator:
    """Evaluates predicates over one pairing (a batch, and its previous cycle if any)."""

    def __init__(self, pairing: Pairing) -> None:
        self.pairing = pairing
        self.root = _Frame(np.arange(len(pairing.now), dtype=np.int64), {})
        self._memo: dict[Pred, Mask] = {}
        self._compiled: dict[str, re.Pattern[str]] = {}
        self._keys: dict[Ref, Ints] = {}
        self._patterns: dict[str, Pattern | None] = {}
        self._garbled: dict[str, Mask] = {}

    def _batch(self, cycle: Cycle) -> Batch | None:
        return self.pairing.now if cycle == "now" else self.pairing.previous

    def _absent(self, cycle: Cycle, rec: Ints) -> Mask:
        if cycle == "now":
            return np.zeros(len(rec), dtype=bool)
        present = self.pairing.present
        if self.pairing.previous is None or present is None:
            return np.ones(len(rec), dtype=bool)
        return ~present[rec]

    def _where(self, ref: Ref, frame: _Frame) -> tuple[Segments, Ints, Mask] | None:
        """The segments a ref reads, the row of each frame row, and the rows reading None."""
        batch = self._batch(ref.cycle)
        if ref.seg == "base":
            if batch is None:
                return None
            return batch.base, frame.rec, self._absent(ref.cycle, frame.rec)
        bound = frame.bound.get((ref.cycle, ref.seg))
        if bound is None or batch is None:
            return None
        kind, idx = bound
        return batch.kind(kind)[0], idx, np.zeros(len(idx), dtype=bool)

    def value(self, ref: Ref, frame: _Frame) -> Column:
        n = len(frame.rec)
        if ref.seg == "header":
            batch = self._batch(ref.cycle)
            col: Column
            if batch is None or batch.activity is None:
                col = Day(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
            else:
                col = _take(batch.activity, frame.rec)
                col = _invalid(col, self._absent(ref.cycle, frame.rec))
        else:
            where = self._where(ref, frame)
            if where is None:
                col = Day(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
            else:
                segments, idx, absent = where
                col = segments.column(ref.name)
                if not (frame is self.root and segments is self.pairing.now.base):
                    col = _invalid(_take(col, idx), absent)  # the root reads base rows as is
        if ref.chars is not None:
            lo, hi = ref.chars
            if isinstance(col, Text):
                data = _pad(col.data, max(col.data.shape[1], hi))[:, lo:hi]
                col = Text(data, np.clip(col.length - lo, 0, hi - lo), col.valid)
            else:
                col = Text(np.zeros((n, hi - lo), dtype=np.uint8), np.zeros(n, dtype=np.int64),
                           np.zeros(n, dtype=bool))  # fmt: skip
        return _shift(col, ref)

    def _raw(self, ref: Ref, frame: _Frame) -> Text:
        where = self._where(ref, frame)
        n = len(frame.rec)
        if where is None:
            return Text(np.zeros((n, 0), dtype=np.uint8), np.zeros(n, dtype=np.int64),
                        np.ones(n, dtype=bool))  # fmt: skip
        segments, idx, absent = where
        raw = segments.raw_text(ref.name)
        return Text(raw.data[idx], np.where(absent, 0, raw.length[idx]), np.ones(n, dtype=bool))

    def _matches(self, p: Matches, frame: _Frame) -> Mask:
        """A regular expression over the text as sent: as column operations (patterns.py),
        or else with `re` once per distinct text."""
        text = self._raw(p.ref, frame)
        n = len(text.length)
        width = text.data.shape[1]
        if not n or not width:
            return np.full(n, self._fullmatch(p.pattern, b""), dtype=bool)
        if p.pattern not in self._patterns:
            try:
                # a lookahead is run from every position of every row: `re` once per distinct
                # text was 2.6 times faster on a column of distinct SSNs (M2-C16), and never
                # slower, since a column has at most one distinct text per row
                lookahead = "(?=" in p.pattern or "(?!" in p.pattern
                self._patterns[p.pattern] = None if lookahead else Pattern(p.pattern)
            except NotImplementedError:
                self._patterns[p.pattern] = None
        vectorised = self._patterns[p.pattern]
        if vectorised is not None:
            return vectorised.fullmatch(text.data, text.length)
        masked = np.where(np.arange(width) < text.length[:, None], text.data, 0).astype(np.uint8)
        # texts with a NUL byte read short here; their records are rejected by M2-F06 anyway
        keyed = np.ascontiguousarray(masked).view(f"S{width}").ravel()
        unique, inverse = np.unique(keyed, return_inverse=True)
        match = self._regex(p.pattern).fullmatch
        answers = np.array([match(u.decode("latin-1")) is not None for u in unique.tolist()],
                           dtype=bool)  # fmt: skip
        return answers[inverse.ravel()]

    def _regex(self, pattern: str) -> re.Pattern[str]:
        rx = self._compiled.get(pattern)
        if rx is None:
            rx = self._compiled[pattern] = re.compile(pattern)
        return rx

    def _fullmatch(self, pattern: str, value: bytes) -> bool:
        return self._regex(pattern).fullmatch(value.decode("latin-1")) is not None

    def mask(self, p: Pred, frame: _Frame | None = None) -> Mask:
        if frame is None:
            if p not in self._memo:
                self._memo[p] = self._mask(p, self.root)
            return self._memo[p]
        return self._mask(p, frame)

    def _sub(self, p: Pred, frame: _Frame) -> Mask:
        return self.mask(p, None if frame is self.root else frame)

    def _mask(self, p: Pred, frame: _Frame) -> Mask:
        n = len(frame.rec)
        if isinstance(p, In):
            col = self.value(p.ref, frame)
            if frame is self.root and isinstance(col, Text) and col.data.shape[1] <= 7:
                if p.ref not in self._keys:  # the same field tested against many code sets
                    self._keys[p.ref] = text_keys(col.data, np.where(col.valid, col.length, 0))
                return np.isin(self._keys[p.ref], code_keys(p.codes, col.data.shape[1]))
            return _members(col, p.codes, p.ref.field().type == "A" and p.ref.chars is None)
        if isinstance(p, Blank):
            col = self.value(p.ref, frame)
            if isinstance(col, Text):
                return ~col.valid | (col.length == 0)
            return ~col.valid
        if isinstance(p, Matches):
            return self._matches(p, frame)
        if isinstance(p, Cmp):
            left = self.value(p.left, frame)
            right = self.value(p.right, frame) if isinstance(p.right, Ref) else \
                _const(p.right, n)  # fmt: skip
            if p.fold:
                left, right = _fold(left), _fold(right)
            return compare(left, p.op, right)
        if isinstance(p, All):
            out = np.ones(n, dtype=bool)
            for part in p.parts:
                out &= self._sub(part, frame)
            return out
        if isinstance(p, AnyOf):
            out = np.zeros(n, dtype=bool)
            for part in p.parts:
                out |= self._sub(part, frame)
            return out
        if isinstance(p, Not):
            return ~self._sub(p.part, frame)
        if isinstance(p, HasPrevious):
            return ~self._absent("previous", frame.rec)
        if isinstance(p, Some):
            out = np.zeros(n, dtype=bool)
            for rows, inner in self.expand(frame, p.cycle, p.seg):
                hit = self.mask(p.part, inner)
                out |= np.bincount(rows[hit], minlength=n).astype(bool)
            return out
        raise TypeError(f"not a predicate: {p!r}")

    def expand(self, frame: _Frame, cycle: Cycle, seg: str) -> Iterable[tuple[Ints, _Frame]]:
        """One frame per kind of the group: a row per (frame row, segment of that kind of
        the row's record in that cycle), and which frame row each came from."""
        batch = self._batch(cycle)
        if batch is None:
            return
        for kind in SEGMENT_GROUPS.get(seg, (seg,)):
            _, owner = batch.kind(kind)
            if not len(owner):
                continue
            start = np.searchsorted(owner, frame.rec, "left")
            end = np.searchsorted(owner, frame.rec, "right")
            if cycle == "previous":
                end = np.where(self._absent(cycle, frame.rec), start, end)
            counts = end - start
            rows = np.repeat(np.arange(len(frame.rec)), counts)
            firsts = np.repeat(start - np.cumsum(counts) + counts, counts)
            segs = firsts + np.arange(len(rows))
            bound = {k: (kd, idx[rows]) for k, (kd, idx) in frame.bound.items()}
            bound[(cycle, seg)] = (kind, segs)
            yield rows, _Frame(frame.rec[rows], bound)

    def hits(self, rule: Rule) -> Mask:
        """The records on which a rule finds something (any of its segments, for `each`).

        A rule with a shape the columns do not evaluate (ordering text, folding a number, a
        date among codes, a constant of another type) marks every record, so each one goes
        to the record-by-record engine, which decides; the rule is then slow, never wrong."""
        try:
            return self._hits(rule)
        except NotImplementedError:
            return np.ones(len(self.root.rec), dtype=bool)

    def _hits(self, rule: Rule) -> Mask:
        assert rule.when is not None
        if not rule.each:
            return self.mask(rule.when) & ~self.garbled(rule)
        n = len(self.root.rec)
        out = np.zeros(n, dtype=bool)
        for rows, inner in self.expand(self.root, "now", rule.each):
            out |= np.bincount(rows[self.mask(rule.when, inner)], minlength=n).astype(bool)
        return out & ~self.garbled(rule)

    def garbled(self, rule: Rule) -> Mask:
        """consistency._garbled: the rule reads a number or date of this cycle's base segment
        that is not one (neither blank, zeros nor a negative amount); no finding then."""
        base = self.pairing.now.base
        out = np.zeros(len(base), dtype=bool)
        for ref in rule.reads:
            if ref.seg != "base" or ref.cycle != "now" or base.layout[ref.name].type == "A":
                continue
            if ref.name not in self._garbled:
                broken = base.field(ref.name)[1]
                if broken.any():
                    raw = base.raw(ref.name)
                    full = np.full(len(raw), raw.shape[1], dtype=np.int64)
                    broken = broken & ~_NEGATIVE.fullmatch(raw, full)
                    broken &= ~((raw == 32).all(axis=1) | (raw == 48).all(axis=1))
                self._garbled[ref.name] = broken
            out |= self._garbled[ref.name]
        return out


def rule_hits(rules: Iterable[Rule], pairing: Pairing) -> dict[str, Mask]:
    """Each rule's `Evaluator.hits`: the records the record-by-record engine must look at."""
    evaluator = Evaluator(pairing)
    return {rule.id: evaluator.hits(rule) for rule in rules if rule.when is not None}
