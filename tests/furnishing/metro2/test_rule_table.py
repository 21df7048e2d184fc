"""docs/metro2.md's rule table is the one generated from the rule data, so the document and
the code cannot disagree."""

from __future__ import annotations

from pathlib import Path

from bureau.furnishing.metro2.rules import RULES
from bureau.furnishing.metro2.table import BEGIN, END, rule_table

DOC = Path(__file__).parents[3] / "docs" / "metro2.md"


def test_the_documented_rule_table_is_the_generated_one() -> None:
    text = DOC.read_text()
    documented = text[text.index(BEGIN) : text.index(END) + len(END)] + "\n"
    assert documented == rule_table()


def test_every_rule_is_in_the_table_with_its_severity_and_cfpb_id() -> None:
    table = rule_table()
    for rule in RULES:
        row = next(line for line in table.splitlines() if line.startswith(f"| {rule.id} |"))
        assert f"| {rule.severity} |" in row
        assert f"| {rule.cfpb or ''} |" in row
