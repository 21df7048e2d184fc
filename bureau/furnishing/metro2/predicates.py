"""The language consistency rules are written in: predicates over named Metro 2 fields.

A rule is data (comparisons, code sets, presence, date order, boolean combinations and
"some/no appended segment such that ..."), never a Python function of its own, so that one
engine evaluates every rule record by record today (`compile_predicate`) and the same tree can
be turned into column expressions over a batch later. `reads` lists every field a predicate
looks at, which is how the rule table in docs/metro2.md names fields and positions.

Values are the decoded field values (records.decode): text without its blank fill, whole
numbers, dates, or None for a blank date or a value that does not decode. Comparisons with
None are false (as in SQL); `same`/`differs` treat two blanks as equal (IS NOT DISTINCT FROM).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bureau.furnishing.metro2.layout import HEADER, LAYOUTS, Field
from bureau.furnishing.metro2.records import Record, Segment, Value

Cycle = Literal["now", "previous"]
Op = Literal["<", "<=", ">", ">=", "==", "!=", "same", "differs"]
# A quantifier over J1 and J2 together (their person fields sit at the same positions).
SEGMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "J1/J2": ("J1", "J2"),
    "base/J1/J2": ("base", "J1", "J2"),  # every segment naming a person (rules' `each` only)
}


@dataclass(frozen=True)
class Ref:
    """A field of the base segment, the header, or the appended segment bound by the
    enclosing `Some`/`No` (or by the rule's `each`), in this cycle or the previous one."""

    name: str
    seg: str = "base"  # "base", "header", or an appended kind / group bound by a quantifier
    cycle: Cycle = "now"
    chars: tuple[int, int] | None = None  # a slice of the text (the first PHP character)
    days: int = 0  # shift a date by days ...
    years: int = 0  # ... or by years (29 February falls back to the 28th)

    def field(self) -> Field:
        kind = SEGMENT_GROUPS.get(self.seg, (self.seg,))[0]
        return HEADER[self.name] if self.seg == "header" else LAYOUTS[kind][self.name]

    def label(self) -> str:
        f = self.field()
        where = "header" if self.seg == "header" else self.seg
        span = f"{f.start}" if f.length == 1 else f"{f.start}-{f.end}"
        if self.chars is not None:
            span = f"{f.start + self.chars[0]}"
        prefix = "previous " if self.cycle == "previous" else ""
        return f"{prefix}{f.label or f.name} ({where} {span})"


def base(name: str, **kw: object) -> Ref:
    return Ref(name, **kw)  # type: ignore[arg-type]


def prev(name: str, **kw: object) -> Ref:
    return Ref(name, cycle="previous", **kw)  # type: ignore[arg-type]


Operand = Ref | int | str | date


@dataclass(frozen=True)
class In:
    """The field's text is one of the codes (a blank field is the code "")."""

    ref: Ref
    codes: frozenset[str]


@dataclass(frozen=True)
class Cmp:
    left: Ref
    op: Op
    right: Operand
    fold: bool = False  # compare text ignoring letter case


@dataclass(frozen=True)
class Blank:
    """Not reported: blank text, a zero-filled date, or a value that does not decode."""

    ref: Ref


@dataclass(frozen=True)
class Matches:
    """The field's text as sent (without blank fill; a number keeps its leading zeros)
    matches a regular expression, whole."""

    ref: Ref
    pattern: str


@dataclass(frozen=True)
class All:
    parts: tuple[Pred, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Pred, ...]


@dataclass(frozen=True)
class Not:
    part: Pred


@dataclass(frozen=True)
class Some:
    """At least one appended segment of `seg` (in that cycle) satisfies `part`."""

    seg: str
    part: Pred = field(default_factory=lambda: All(()))
    cycle: Cycle = "now"


@dataclass(frozen=True)
class HasPrevious:
    """The account has a record from the previous cycle (the engine evaluates cycle rules
    only then; this is how a predicate says so)."""


Pred = In | Cmp | Blank | Matches | All | AnyOf | Not | Some | HasPrevious


# Small builders that keep the rule table readable.
Codes = str | Iterable["Codes"]


def _flat(codes: Iterable[Codes]) -> set[str]:
    out: set[str] = set()
    for c in codes:
        out.update([c] if isinstance(c, str) else _flat(c))
    return out


def is_in(ref: Ref, *codes: Codes) -> In:
    """Codes may be given singly or as (nested) tuples of code sets."""
    return In(ref, frozenset(_flat(codes)))


def not_in(ref: Ref, *codes: Codes) -> Not:
    return Not(is_in(ref, *codes))


def all_of(*parts: Pred) -> All:
    return All(parts)


def any_of(*parts: Pred) -> AnyOf:
    return AnyOf(parts)


def positive(ref: Ref) -> Cmp:
    return Cmp(ref, ">", 0)


def zero(ref: Ref) -> Not:
    """Zero or less (or not reported): what the CFPB's "<= 0" means in a file."""
    return Not(positive(ref))


def present(ref: Ref) -> Not:
    return Not(Blank(ref))


def no(seg: str, part: Pred | None = None, cycle: Cycle = "now") -> Not:
    return Not(Some(seg, part if part is not None else All(()), cycle))


# ---------------------------------------------------------------------------------------
# What a predicate reads


def reads(pred: Pred) -> list[Ref]:
    """Every field the predicate reads, in order of first appearance, without duplicates."""
    found: list[Ref] = []

    def add(ref: Ref) -> None:
        plain = Ref(ref.name, ref.seg, ref.cycle)
        if plain not in found:
            found.append(plain)

    def walk(p: Pred) -> None:
        if isinstance(p, In | Blank | Matches):
            add(p.ref)
        elif isinstance(p, Cmp):
            add(p.left)
            if isinstance(p.right, Ref):
                add(p.right)
        elif isinstance(p, All | AnyOf):
            for part in p.parts:
                walk(part)
        elif isinstance(p, Not | Some):
            walk(p.part)

    walk(pred)
    return found


def is_cycle_rule(pred: Pred) -> bool:
    def walk(p: Pred) -> bool:
        if isinstance(p, HasPrevious):
            return True
        if isinstance(p, Some) and p.cycle == "previous":
            return True
        if isinstance(p, All | AnyOf):
            return any(walk(part) for part in p.parts)
        if isinstance(p, Not | Some):
            return walk(p.part)
        return False

    return walk(pred) or any(r.cycle == "previous" for r in reads(pred))


# ---------------------------------------------------------------------------------------
# The record-by-record engine


@dataclass
class Cycles:
    """What a rule is evaluated against: this cycle's record and its header's activity date,
    the previous cycle's (if any), and the appended segments bound by quantifiers."""

    record: Record
    activity: date | None = None
    previous: Record | None = None
    previous_activity: date | None = None
    bound: dict[tuple[Cycle, str], Segment] = field(default_factory=dict)

    def record_of(self, cycle: Cycle) -> Record | None:
        return self.record if cycle == "now" else self.previous


Test = Callable[[Cycles], bool]
Getter = Callable[[Cycles], Value]


def _shift(value: Value, ref: Ref) -> Value:
    if not isinstance(value, date) or not (ref.days or ref.years):
        return value
    if ref.years:
        try:
            value = value.replace(year=value.year + ref.years)
        except ValueError:  # 29 February
            value = value.replace(year=value.year + ref.years, day=28)
    return date.fromordinal(value.toordinal() + ref.days)


def _getter(ref: Ref, raw: bool = False) -> Getter:
    """How to read the field: its decoded value, or (raw) its text without blank fill."""
    name, seg, cycle, chars = ref.name, ref.seg, ref.cycle, ref.chars

    if seg == "header":

        def get(c: Cycles) -> Value:
            return c.activity if cycle == "now" else c.previous_activity

    elif seg == "base":

        def get(c: Cycles) -> Value:
            record = c.record if cycle == "now" else c.previous
            if record is None:
                return None
            return record.main.raw(name).rstrip(" ") if raw else record.main.get(name)

    else:
        key = (cycle, seg)

        def get(c: Cycles) -> Value:
            segment = c.bound.get(key)
            if segment is None:
                return None
            return segment.raw(name).rstrip(" ") if raw else segment.get(name)

    if chars is not None:
        lo, hi = chars
        inner = get

        def get(c: Cycles) -> Value:
            value = inner(c)
            return value[lo:hi] if isinstance(value, str) else None

    if ref.days or ref.years:
        plain = get

        def get(c: Cycles) -> Value:
            return _shift(plain(c), ref)

    return get


def _text(value: Value) -> str:
    return "" if value is None else str(value)


def _compare(a: Value, op: Op, b: Value) -> bool:
    if op == "same":
        return a == b
    if op == "differs":
        return a != b
    if a is None or b is None:
        return False
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if type(a) is not type(b):
        return False
    try:
        if op == "<":
            return a < b  # type: ignore[operator]
        if op == "<=":
            return a <= b  # type: ignore[operator]
        if op == ">":
            return a > b  # type: ignore[operator]
        return a >= b  # type: ignore[operator]
    except TypeError:
        return False


def compile_predicate(pred: Pred) -> Test:
    """The predicate as one Python closure tree, built once per rule."""
    if isinstance(pred, In):
        get, codes = _getter(pred.ref), pred.codes
        return lambda c: _text(get(c)) in codes
    if isinstance(pred, Blank):
        get = _getter(pred.ref)
        return lambda c: get(c) in (None, "")
    if isinstance(pred, Matches):
        get, rx = _getter(pred.ref, raw=True), re.compile(pred.pattern)
        return lambda c: rx.fullmatch(_text(get(c))) is not None
    if isinstance(pred, Cmp):
        left, op, fold = _getter(pred.left), pred.op, pred.fold
        right: Getter
        if isinstance(pred.right, Ref):
            right = _getter(pred.right)
        else:
            constant: Value = pred.right
            right = lambda c: constant  # noqa: E731
        if fold:
            return lambda c: _compare(_text(left(c)).casefold(), op, _text(right(c)).casefold())
        return lambda c: _compare(left(c), op, right(c))
    if isinstance(pred, All):
        parts = tuple(compile_predicate(p) for p in pred.parts)
        return lambda c: all(p(c) for p in parts)
    if isinstance(pred, AnyOf):
        parts = tuple(compile_predicate(p) for p in pred.parts)
        return lambda c: any(p(c) for p in parts)
    if isinstance(pred, Not):
        inner = compile_predicate(pred.part)
        return lambda c: not inner(c)
    if isinstance(pred, HasPrevious):
        return lambda c: c.previous is not None
    if isinstance(pred, Some):
        kinds = SEGMENT_GROUPS.get(pred.seg, (pred.seg,))
        key, cycle, inner = (pred.cycle, pred.seg), pred.cycle, compile_predicate(pred.part)

        def some(c: Cycles) -> bool:
            record = c.record_of(cycle)
            if record is None:
                return False
            for segment in record.segments[1:]:
                if segment.kind in kinds:
                    c.bound[key] = segment
                    try:
                        if inner(c):
                            return True
                    finally:
                        del c.bound[key]
            return False

        return some
    raise TypeError(f"not a predicate: {pred!r}")


def describe_values(refs: Iterable[Ref], c: Cycles) -> Mapping[str, str]:
    """The raw text of each field read (for a finding's reason), by field name."""
    out: dict[str, str] = {}
    for ref in refs:
        value = _getter(ref)(c)
        key = ref.name if ref.cycle == "now" else f"previous_{ref.name}"
        out.setdefault(key, value.isoformat() if isinstance(value, date) else _text(value))
    return out
