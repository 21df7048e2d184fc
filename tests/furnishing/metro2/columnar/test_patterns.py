"""Regular expressions run as column operations answer what re.fullmatch answers, for the
rule tables' own patterns and for the constructs the engine claims to handle."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.columnar.patterns import Pattern
from bureau.furnishing.metro2.predicates import Matches, Pred
from bureau.furnishing.metro2.rules import CONSISTENCY


def _patterns_in(p: Pred) -> list[str]:
    if isinstance(p, Matches):
        return [p.pattern]
    parts = getattr(p, "parts", None) or ([p.part] if hasattr(p, "part") else [])
    return [x for part in parts for x in _patterns_in(part)]


RULE_PATTERNS = sorted({x for r in CONSISTENCY if r.when for x in _patterns_in(r.when)})
OTHERS = [r"(ab|a)*b?", r"[^0-9 ]{2,3}x", r"(?=\d{3})1\d+", r"\s\w.", r"a+?b|\D"]
_BYTES = st.sampled_from(list(b"0123456789 abx\xa0\x1f\xe9\xb2"))


def test_every_rule_pattern_runs_as_columns() -> None:
    assert RULE_PATTERNS
    for pattern in RULE_PATTERNS:
        Pattern(pattern)


@pytest.mark.parametrize("pattern", RULE_PATTERNS + OTHERS)
@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(rows=st.lists(st.lists(_BYTES, min_size=9, max_size=9), min_size=1, max_size=40))
def test_column_fullmatch_is_re_fullmatch(pattern: str, rows: list[list[int]]) -> None:
    texts = [bytes(r) for r in rows] + [b"000000000", b"666123456", b"123001234", b" " * 9]
    data = np.frombuffer(b"".join(texts), dtype=np.uint8).reshape(-1, 9)
    length = np.array([len(t.rstrip(b" ")) for t in texts], dtype=np.int64)
    expected = [re.fullmatch(pattern, t.rstrip(b" ").decode("latin-1")) is not None for t in texts]
    assert Pattern(pattern).fullmatch(data, length).tolist() == expected


def test_a_back_reference_is_left_to_re() -> None:
    with pytest.raises(NotImplementedError):
        Pattern(r"(\d)\1")
