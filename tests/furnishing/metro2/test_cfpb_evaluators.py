"""Every CFPB evaluator is a rule of ours, and each reproduces the CFPB's own unit tests: the
fixture records of each test (data/cfpb_evaluator_cases.json, written as Metro 2 files by
cfpb_cases.py) hit exactly the records the CFPB expects, at the rule's field and positions;
the other records of the test (its controls) are clean of that rule. Single-cycle evaluators
run through the file validator; cycle-to-cycle ones through `bureau metro2 validate CURRENT
--previous PREVIOUS`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bureau.cli import main
from bureau.furnishing.metro2.layout import LAYOUTS
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.rule import Rule
from bureau.furnishing.metro2.rules import RULES
from bureau.furnishing.metro2.validate import validate_items
from tests.furnishing.metro2.cfpb_cases import Case, load_cases, metro2_file

CASES = load_cases()
BY_CFPB = {rule.cfpb: rule for rule in RULES if rule.cfpb}


def _case_id(case: Case) -> str:
    return case.evaluator


def test_every_catalogue_evaluator_is_a_rule_with_one_cfpb_test() -> None:
    assert len(BY_CFPB) == 94
    assert sorted(c.evaluator for c in CASES) == sorted(BY_CFPB)
    assert sum(r.across_cycles for r in BY_CFPB.values()) == 20
    assert {r.severity for r in BY_CFPB.values()} == {"review"}


def _check_hits(case: Case, rule: Rule, rows: list[dict[str, Any]],
                hits: list[dict[str, Any]]) -> None:  # fmt: skip
    found = sorted({rows[p["record"] - 2]["id"] for p in hits})  # record 1 is the header
    assert found == case.expected, f"{case.cfpb_test}: hits {found}, CFPB expects {case.expected}"
    assert case.expected, "every CFPB test has a record that hits"
    assert len(rows) > len(case.expected), "and a control record that does not"
    blamed = rule.blamed
    for p in hits:  # reported at the rule's field, in the segment it belongs to
        assert p["field"] == blamed.name and p["severity"] == "review"
        assert p["segment"] == blamed.seg
        f = LAYOUTS[p["segment"]][blamed.name]
        assert (p["start"], p["end"]) == (f.start, f.end)
        assert f"CFPB {rule.cfpb}" in p["reason"]


@pytest.mark.parametrize("case", [c for c in CASES if not BY_CFPB[c.evaluator].across_cycles],
                         ids=_case_id)  # fmt: skip
def test_single_cycle_evaluator_hits_what_the_cfpb_test_expects(case: Case) -> None:
    rule = BY_CFPB[case.evaluator]
    rows = case.current
    problems = validate_items(parse_bytes(metro2_file(rows)))
    hits = [p.to_dict() for p in problems if p.rule == rule.id]
    _check_hits(case, rule, rows, hits)


@pytest.mark.parametrize("case", [c for c in CASES if BY_CFPB[c.evaluator].across_cycles],
                         ids=_case_id)  # fmt: skip
def test_cycle_evaluator_hits_what_the_cfpb_test_expects_through_previous(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = BY_CFPB[case.evaluator]
    previous, current = tmp_path / "previous.m2", tmp_path / "current.m2"
    previous.write_bytes(metro2_file(case.previous))
    current.write_bytes(metro2_file(case.current))
    main(["metro2", "validate", "--json", str(current), "--previous", str(previous)])
    problems = json.loads(capsys.readouterr().out)
    hits = [p for p in problems if p["rule"] == rule.id]
    _check_hits(case, rule, case.current, hits)
    # without the previous cycle, the rule has nothing to compare and says nothing
    main(["metro2", "validate", "--json", str(current)])
    assert not [p for p in json.loads(capsys.readouterr().out) if p["rule"] == rule.id]


def test_cycle_rules_batched_across_batch_boundaries_report_in_file_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--previous` runs the cycle rules over batches of records: a batch of one and one batch
    for the whole file print the same problems, in the same order, with the same summary."""
    from bureau.furnishing.metro2 import commands

    case = max((c for c in CASES if BY_CFPB[c.evaluator].across_cycles),
               key=lambda c: len(c.current))  # fmt: skip
    previous, current = tmp_path / "previous.m2", tmp_path / "current.m2"
    previous.write_bytes(metro2_file(case.previous))
    current.write_bytes(metro2_file(case.current))
    outputs = []
    for batch in (1, 2, commands.CYCLE_BATCH):
        monkeypatch.setattr(commands, "CYCLE_BATCH", batch)
        status = main(["metro2", "validate", "--json", str(current), "--previous", str(previous)])
        outputs.append((status, capsys.readouterr()))
    assert len(case.current) > 2
    assert any(p["rule"] == BY_CFPB[case.evaluator].id for p in json.loads(outputs[0][1].out))
    assert outputs[0] == outputs[1] == outputs[2]
