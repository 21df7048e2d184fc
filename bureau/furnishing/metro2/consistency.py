"""The engine that evaluates consistency rules (rules.py, catalogue.py) on parsed records.

Two stable entry points, used by the file validator, ingest, JSON records and dispute answers
alike: `record_findings` (one record) and `cycle_findings` (one record against the same
account's record of the previous cycle). Each rule's predicate is compiled once; a finding
names the rule, the segment and field it is reported at, and the values the rule read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bureau.furnishing.metro2.layout import BASE, Field
from bureau.furnishing.metro2.predicates import (
    SEGMENT_GROUPS,
    Cycle,
    Cycles,
    Test,
    compile_all,
    compile_predicate,
    describe_values,
)
from bureau.furnishing.metro2.records import Record, Segment
from bureau.furnishing.metro2.rule import Rule
from bureau.furnishing.metro2.rules import CONSISTENCY


@dataclass(frozen=True)
class Finding:
    rule: Rule
    segment: Segment  # the segment reported (the base segment, or the appended one blamed)
    field: Field
    reason: str


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    test: Test
    kinds: tuple[str, ...]  # `each` rules: the appended kinds evaluated one by one
    field: Field
    numbers: tuple[Field, ...]  # the numeric and date base fields of this cycle it reads


def _compile(rule: Rule) -> _Compiled:
    assert rule.when is not None
    kinds = SEGMENT_GROUPS.get(rule.each, (rule.each,)) if rule.each else ()
    numbers = tuple(BASE[r.name] for r in rule.reads
                    if r.seg == "base" and r.cycle == "now" and BASE[r.name].type != "A")  # fmt: skip
    return _Compiled(rule, compile_predicate(rule.when), kinds, rule.blamed.field(), numbers)


_NEGATIVE = re.compile(r" *-\d+")


def _garbled(item: _Compiled, main: Segment) -> bool:
    """Does the rule read a number or date that is not one (`00020L000` as an amount)? The
    field rules reject the record for that already (M2-F01); a consistency finding on top
    would describe a value that was never reported ("no original loan amount" for one that
    is only misspelt), so it is not made. Blank and zero-filled fields are values (not
    reported), and a negative amount is one below zero (the CFPB's "<= 0"): both are judged
    as such."""
    for f in item.numbers:
        if main.get(f.name) is None:
            text = main.text[f.slice]
            if text.strip(" ") and text.strip("0") and not _NEGATIVE.fullmatch(text):
                return True
    return False


@dataclass(frozen=True)
class _RuleSet:
    """Rules evaluated once per record, as one generated function; and `each` rules."""

    whole: tuple[_Compiled, ...]
    test_whole: Callable[[Cycles], list[int]]
    each: tuple[_Compiled, ...]


def _rule_set(rules: list[Rule]) -> _RuleSet:
    whole = tuple(_compile(r) for r in rules if not r.each)
    each = tuple(_compile(r) for r in rules if r.each)
    return _RuleSet(whole, compile_all(r.when for r in rules if not r.each and r.when), each)


_SINGLE = _rule_set([r for r in CONSISTENCY if not r.across_cycles])
_ACROSS = _rule_set([r for r in CONSISTENCY if r.across_cycles])


def _reason(rule: Rule, c: Cycles) -> str:
    found = describe_values(rule.reads, c)
    values = ", ".join(f"{k}={v!r}" for k, v in found.items())
    return f"{rule.reason.format(**found)} [{values}]"


def _run(rules: _RuleSet, c: Cycles) -> list[Finding]:
    out: list[Finding] = []
    record = c.record
    for index in rules.test_whole(c):
        item = rules.whole[index]
        if not _garbled(item, record.main):
            out.append(Finding(item.rule, record.main, item.field, _reason(item.rule, c)))
    for item in rules.each:
        key: tuple[Cycle, str] = ("now", item.rule.each or "")
        for segment in record.segments:
            if segment.kind not in item.kinds:
                continue
            c.bound[key] = segment
            try:
                if item.test(c) and not _garbled(item, record.main):
                    f = segment.layout[item.field.name]  # J1 and J2 place a field differently
                    out.append(Finding(item.rule, segment, f, _reason(item.rule, c)))
            finally:
                del c.bound[key]
    return out


def record_findings(record: Record, activity: date | None = None) -> list[Finding]:
    """Every single-record consistency finding (reject and review) on one base record.
    `activity` is the header's activity date (None when the record came without a header:
    the few rules that read it then do not apply)."""
    if record.kind != "base":
        return []
    return _run(_SINGLE, Cycles(record, activity))


def cycle_findings(record: Record, previous: Record, activity: date | None = None,
                   previous_activity: date | None = None) -> list[Finding]:  # fmt: skip
    """Every cycle-to-cycle finding on a base record, given the same account's record of the
    previous cycle (the PHP-* and PROG-* evaluators)."""
    if record.kind != "base" or previous.kind != "base":
        return []
    return _run(_ACROSS, Cycles(record, activity, previous, previous_activity))
