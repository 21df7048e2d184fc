"""Regular expressions over a column of short texts, all rows at once.

A pattern is parsed once (the standard library's own parser) and run as a set of reachable
positions per row, a boolean matrix rows x (width + 1): a character class moves every row's
positions one byte on where the byte is in the class; alternation is a union, repetition a
bounded fixpoint, a lookahead is tested from each position separately. `fullmatch` is then
"the text's length is reachable from 0", which is what re.fullmatch answers for patterns
without back-references. Anything else (flags, anchors, back-references) raises
NotImplementedError and the caller runs `re` once per distinct text instead.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from bureau.furnishing.metro2.columnar.fields import Bytes, Ints, Mask

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants as c
    import sre_parse

Step = Callable[[Mask, Bytes, Mask], Mask]  # reachable -> reachable, given bytes and inside
_CATEGORY = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_NOT_DIGIT: r"\D", c.CATEGORY_SPACE: r"\s",
             c.CATEGORY_NOT_SPACE: r"\S", c.CATEGORY_WORD: r"\w",
             c.CATEGORY_NOT_WORD: r"\W"}  # fmt: skip


def _table(test: Callable[[int], bool]) -> Mask:
    return np.array([test(b) for b in range(256)], dtype=bool)


def _category(pattern: str) -> Mask:
    rx = re.compile(pattern)
    return _table(lambda b: rx.fullmatch(chr(b)) is not None)


def _class(items: list[tuple[Any, Any]]) -> Mask:
    negate = False
    table = np.zeros(256, dtype=bool)
    for op, av in items:
        if op is c.NEGATE:
            negate = True
        elif op is c.LITERAL:
            if av < 256:
                table[av] = True
        elif op is c.RANGE:
            table[av[0] : min(av[1], 255) + 1] = True
        elif op is c.CATEGORY:
            table |= _category(_CATEGORY[av])
        else:
            raise NotImplementedError(f"class item {op}")
    return ~table if negate else table


def _char(table: Mask) -> Step:
    def step(reach: Mask, data: Bytes, inside: Mask) -> Mask:
        out = np.zeros_like(reach)
        out[:, 1:] = reach[:, :-1] & inside & table[data]
        return out

    return step


def _sequence(steps: list[Step]) -> Step:
    def step(reach: Mask, data: Bytes, inside: Mask) -> Mask:
        for s in steps:
            reach = s(reach, data, inside)
        return reach

    return step


def _compile(parsed: Any) -> Step:
    steps: list[Step] = []
    for op, av in parsed:
        if op is c.LITERAL:
            steps.append(_char(np.arange(256) == av))
        elif op is c.NOT_LITERAL:
            steps.append(_char(np.arange(256) != av))
        elif op is c.ANY:
            steps.append(_char(np.arange(256) != 10))
        elif op is c.IN:
            steps.append(_char(_class(av)))
        elif op is c.SUBPATTERN:
            _, add, remove, inner = av
            if add or remove:
                raise NotImplementedError("inline flags")
            steps.append(_compile(inner))
        elif op is c.BRANCH:
            steps.append(_branch([_compile(p) for p in av[1]]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, inner = av
            steps.append(_repeat(lo, hi, _compile(inner)))
        elif op in (c.ASSERT, c.ASSERT_NOT) and av[0] == 1:
            steps.append(_lookahead(_compile(av[1]), op is c.ASSERT))
        else:
            raise NotImplementedError(f"pattern element {op}")
    return _sequence(steps)


def _branch(options: list[Step]) -> Step:
    def step(reach: Mask, data: Bytes, inside: Mask) -> Mask:
        out = np.zeros_like(reach)
        for option in options:
            out |= option(reach, data, inside)
        return out

    return step


def _repeat(lo: int, hi: int, inner: Step) -> Step:
    def step(reach: Mask, data: Bytes, inside: Mask) -> Mask:
        for _ in range(lo):
            reach = inner(reach, data, inside)
        found = reach.copy()
        for _ in range(min(hi - lo, reach.shape[1])):
            reach = inner(reach, data, inside)
            grown = found | reach
            if (grown == found).all():
                break
            found = grown
        return found

    return step


def _lookahead(inner: Step, positive: bool) -> Step:
    def step(reach: Mask, data: Bytes, inside: Mask) -> Mask:
        out = reach.copy()
        for p in range(reach.shape[1]):
            if not reach[:, p].any():
                continue
            start = np.zeros_like(reach)
            start[:, p] = True
            matched = inner(start, data, inside).any(axis=1)
            out[:, p] &= matched if positive else ~matched
        return out

    return step


class Pattern:
    """A compiled pattern; `fullmatch` over rows of bytes with their text lengths."""

    def __init__(self, pattern: str) -> None:
        parsed = sre_parse.parse(pattern)
        if parsed.state.flags & ~(re.UNICODE):
            raise NotImplementedError("flags")
        self.step = _compile(parsed)

    def fullmatch(self, data: Bytes, length: Ints) -> Mask:
        n, width = data.shape
        reach = np.zeros((n, width + 1), dtype=bool)
        reach[:, 0] = True
        inside = np.arange(width) < length[:, None]
        ends = self.step(reach, data, inside)
        out: Mask = ends[np.arange(n), np.minimum(length, width)]
        return out
