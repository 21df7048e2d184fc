"""A rule whose predicate has a shape the column evaluation does not cover (text ordered by
`<`, a number folded to lower case, a date among codes, a constant of another type) is not
an error and not a silent pass: every record goes to the record-by-record engine for it, so
the columnar validator still reports exactly what the per-record validator reports."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from bureau.furnishing.metro2 import consistency
from bureau.furnishing.metro2.columnar import validate as columnar_validate
from bureau.furnishing.metro2.columnar.evaluate import Batch, Pairing, rule_hits
from bureau.furnishing.metro2.columnar.fields import Segments
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.predicates import Cmp, In, Pred, base
from bureau.furnishing.metro2.rule import Rule
from tests.furnishing.metro2.columnar.test_equivalence import assert_same, synthetic

_UNEVALUATED: dict[str, Pred] = {
    "ordering text": Cmp(base("surname"), "<", base("first_name")),
    "folding a number": Cmp(base("current_balance"), "==", base("credit_limit"), fold=True),
    "a date among codes": In(base("date_opened"), frozenset({"01012020"})),
    "a constant of another type": Cmp(base("current_balance"), "==", 1.5),  # type: ignore[arg-type]
}


def _rule(shape: str) -> Rule:
    return Rule(id="TEST-FALLBACK", description=shape, fields=(), why="a test",
                when=_UNEVALUATED[shape], severity="review", reason="test fallback")  # fmt: skip


def _batch(data: bytes) -> Batch:
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, 427)[:, 1:].copy()  # records + \n
    return Batch(Segments(BASE, rows), {}, None)


@pytest.mark.parametrize("shape", sorted(_UNEVALUATED))
def test_a_rule_the_columns_cannot_evaluate_sends_every_record_to_the_per_record_engine(
    shape: str,
) -> None:
    data = bytes(synthetic(12, 3))
    hits = rule_hits([_rule(shape)], Pairing(_batch(data)))
    assert hits["TEST-FALLBACK"].all()


@pytest.mark.parametrize("shape", sorted(_UNEVALUATED))
def test_the_columnar_validator_reports_what_the_per_record_one_does_for_such_a_rule(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = _rule(shape)
    rules = [r for r in consistency.CONSISTENCY if not r.across_cycles] + [rule]
    monkeypatch.setattr(consistency, "_SINGLE", consistency._rule_set(rules))
    monkeypatch.setattr(columnar_validate, "SINGLE", (*columnar_validate.SINGLE, rule))
    assert_same(bytes(synthetic(40, 7)))


def test_the_per_record_engine_does_find_the_ordering_rule() -> None:
    """The fallback is not vacuous: the per-record engine answers such a rule."""
    from bureau.furnishing.metro2.parse import parse_bytes
    from bureau.furnishing.metro2.records import Record

    rule = _rule("ordering text")
    engine = consistency._rule_set([rule])
    records = [i for i in parse_bytes(bytes(synthetic(40, 7)))
               if isinstance(i, Record) and i.kind == "base"]  # fmt: skip
    found = [consistency._run(engine, consistency.Cycles(r, date(2020, 1, 1))) for r in records]
    assert any(found) and not all(found)
