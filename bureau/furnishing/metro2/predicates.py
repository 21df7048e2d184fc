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

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
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


class Decoded(dict[str, Value]):
    """A segment's fields, each decoded when first read (`[name]`); every field None for no
    segment (a previous cycle the account does not have)."""

    def __init__(self, segment: Segment | None) -> None:
        super().__init__(segment.decoded if segment is not None else ())
        self._segment = segment

    def __missing__(self, name: str) -> Value:
        value = self._segment.get(name) if self._segment is not None else None
        self[name] = value
        return value


@dataclass
class Cycles:
    """What a rule is evaluated against: this cycle's record and its header's activity date,
    the previous cycle's (if any), and the appended segments bound by quantifiers."""

    record: Record
    activity: date | None = None
    previous: Record | None = None
    previous_activity: date | None = None
    bound: dict[tuple[Cycle, str], Segment] = field(default_factory=dict)
    values: dict[str, Value] = field(init=False)  # the base segment decoded, once
    previous_values: dict[str, Value] = field(init=False)

    def __post_init__(self) -> None:
        main = self.record.main
        # the validator has decoded every field already; for other callers (a cycle's
        # explanation) only the fields the rules read are decoded, as they read them
        complete = len(main.decoded) == len(main.layout.fields)
        self.values = main.decoded if complete else Decoded(main)
        self.previous_values = Decoded(self.previous.main if self.previous else None)

    def record_of(self, cycle: Cycle) -> Record | None:
        return self.record if cycle == "now" else self.previous


Test = Callable[[Cycles], bool]
Getter = Callable[[Cycles], Value]


class OffCalendar(int):
    """A shifted date outside Python's calendar (before year 1 or after 9999), as its
    proleptic day ordinal: DOFD 9995 plus seven years still compares with the activity date
    (as the columnar engine's day numbers do) instead of crashing the validator."""


_CYCLE_DAYS = 146_097  # days in 400 Gregorian years: the calendar repeats after them


def _ordinal(year: int, month: int, day: int) -> int:
    """The proleptic Gregorian ordinal of any year's date (date.toordinal, unbounded)."""
    cycles, rest = divmod(year - 1, 400)
    return date(rest + 1, month, day).toordinal() + cycles * _CYCLE_DAYS


def _shift(value: Value, ref: Ref) -> Value:
    if not isinstance(value, date) or not (ref.days or ref.years):
        return value
    year, day = value.year + ref.years, value.day
    if value.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    ordinal = _ordinal(year, value.month, day) + ref.days
    if 1 <= ordinal <= date.max.toordinal():
        return date.fromordinal(ordinal)
    return OffCalendar(ordinal)


def _day_ordinal(value: Value) -> int | None:
    if isinstance(value, OffCalendar):
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.toordinal()
    return None


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
    if isinstance(a, OffCalendar) or isinstance(b, OffCalendar):
        a, b = _day_ordinal(a), _day_ordinal(b)
        if a is None or b is None:
            return False
    elif type(a) is not type(b):
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


def _segments(record: Record | None, kinds: tuple[str, ...]) -> list[Segment]:
    return [] if record is None else [s for s in record.segments[1:] if s.kind in kinds]


def _field(segment: Segment | None, name: str) -> Value:
    return None if segment is None else segment.get(name)


def _raw(segment: Segment | None, name: str) -> str:
    return "" if segment is None else segment.raw(name).rstrip(" ")


def _part(value: Value, lo: int, hi: int) -> Value:
    return value[lo:hi] if isinstance(value, str) else None


def _positive(value: Value) -> bool:
    return type(value) is int and value > 0


_RUNTIME = {"_segments": _segments, "_field": _field, "_raw": _raw, "_part": _part,
            "_text": _text, "_compare": _compare, "_shift": _shift, "_positive": _positive}  # fmt: skip


class _Source:
    """Writes a predicate as one Python expression over the record's decoded values: the
    engine's fast path (every rule is one generated function, not a tree of closures)."""

    def __init__(self) -> None:
        self.constants: dict[str, object] = {}
        self.scope: dict[tuple[Cycle, str], str] = {}
        self.counter = 0
        self.hoist = False  # read this cycle's base fields once, into locals (compile_all)
        self.hoisted: set[str] = set()

    def const(self, value: object) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def segment(self, ref: Ref) -> str:
        key = (ref.cycle, ref.seg)
        return self.scope.get(key) or f"c.bound.get({key!r})"

    def value(self, ref: Ref) -> str:
        if ref.seg == "header":
            out = "c.activity" if ref.cycle == "now" else "c.previous_activity"
        elif ref.seg == "base" and ref.cycle == "now" and self.hoist:
            self.hoisted.add(ref.name)
            out = f"b_{ref.name}"
        elif ref.seg == "base":
            out = f"c.values[{ref.name!r}]" if ref.cycle == "now" else \
                f"c.previous_values[{ref.name!r}]"  # fmt: skip
        else:
            out = f"_field({self.segment(ref)}, {ref.name!r})"
        if ref.chars is not None:
            out = f"_part({out}, {ref.chars[0]}, {ref.chars[1]})"
        if ref.days or ref.years:
            out = f"_shift({out}, {self.const(ref)})"
        return out

    def raw(self, ref: Ref) -> str:
        if ref.seg == "base":
            record = "c.record" if ref.cycle == "now" else "c.previous"
            return f"_raw({record}.main if {record} is not None else None, {ref.name!r})"
        return f"_raw({self.segment(ref)}, {ref.name!r})"

    def expr(self, p: Pred) -> str:
        if isinstance(p, In):
            codes = self.const(p.codes)
            f = p.ref.field()
            if f.type == "A" and p.ref.chars is None:
                return f"(({self.value(p.ref)} or '') in {codes})"
            return f"(_text({self.value(p.ref)}) in {codes})"
        if isinstance(p, Blank):
            return f"({self.value(p.ref)} in (None, ''))"
        if isinstance(p, Matches):
            rx = self.const(re.compile(p.pattern))
            return f"({rx}.fullmatch({self.raw(p.ref)}) is not None)"
        if isinstance(p, Cmp):
            left = self.value(p.left)
            if p.op == ">" and p.right == 0 and not p.fold:
                return f"_positive({left})"
            right = self.value(p.right) if isinstance(p.right, Ref) else self.const(p.right)
            if p.fold:
                left, right = f"_text({left}).casefold()", f"_text({right}).casefold()"
            return f"_compare({left}, {p.op!r}, {right})"
        if isinstance(p, All):
            return "(" + " and ".join(self.expr(x) for x in p.parts) + ")" if p.parts else "True"
        if isinstance(p, AnyOf):
            return "(" + " or ".join(self.expr(x) for x in p.parts) + ")" if p.parts else "False"
        if isinstance(p, Not):
            return f"(not {self.expr(p.part)})"
        if isinstance(p, HasPrevious):
            return "(c.previous is not None)"
        if isinstance(p, Some):
            kinds = self.const(SEGMENT_GROUPS.get(p.seg, (p.seg,)))
            var = f"_s{self.counter}"
            self.counter += 1
            key = (p.cycle, p.seg)
            outer = self.scope.get(key)
            self.scope[key] = var
            inner = self.expr(p.part)
            if outer is None:
                del self.scope[key]
            else:
                self.scope[key] = outer
            record = "c.record" if p.cycle == "now" else "c.previous"
            return f"any({inner} for {var} in _segments({record}, {kinds}))"
        raise TypeError(f"not a predicate: {p!r}")


def compile_all(preds: Iterable[Pred]) -> Callable[[Cycles], list[int]]:
    """Many predicates as one generated function returning the indexes of those that hold:
    one call per record for a whole rule set."""
    source = _Source()
    source.hoist = True
    body: list[str] = []
    for index, pred in enumerate(preds):
        body += [f"    if {source.expr(pred)}:", f"        hits.append({index})"]
    lines = ["def _all(c):", "    hits = []", "    v = c.values"]
    lines += [f"    b_{name} = v[{name!r}]" for name in sorted(source.hoisted)]
    lines += [*body, "    return hits"]
    namespace: dict[str, object] = {**_RUNTIME, **source.constants}
    exec("\n".join(lines), namespace)
    return namespace["_all"]  # type: ignore[return-value]


def compile_predicate(pred: Pred) -> Test:
    """The predicate as one generated Python function of the evaluation context."""
    source = _Source()
    body = source.expr(pred)
    namespace: dict[str, object] = {**_RUNTIME, **source.constants}
    test = eval(f"lambda c: {body}", namespace)
    return test


def _shown(value: Value) -> str:
    return value.isoformat() if isinstance(value, date) else _text(value)


def describe_values(refs: Iterable[Ref], c: Cycles) -> Mapping[str, str]:
    """The raw text of each field read (for a finding's reason), by field name. A field of
    appended segments read through a quantifier ("some J1/J2 segment ...") lists the value of
    every such segment, under its segment's name (`J1/J2 consumer_information_indicator`)."""
    out: dict[str, str] = {}
    for ref in refs:
        prefix = "" if ref.cycle == "now" else "previous_"
        if ref.seg not in ("base", "header") and (ref.cycle, ref.seg) not in c.bound:
            kinds = SEGMENT_GROUPS.get(ref.seg, (ref.seg,))
            found = [_shown(s.get(ref.name)) for s in _segments(c.record_of(ref.cycle), kinds)]
            if found:
                out.setdefault(f"{prefix}{ref.seg} {ref.name}", "/".join(found))
            continue
        out.setdefault(prefix + ref.name, _shown(_getter(ref)(c)))
    return out
