"""The published table: it adds up to the range, has no gaps, and is published in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.cli import main
from bureau.score.attributes import ATTRIBUTES
from bureau.score.publish import markdown
from bureau.score.scorecard import ScorecardError, load_scorecard, parse_scorecard

DOCS = Path(__file__).resolve().parents[2] / "docs" / "score.md"
CARD = load_scorecard()


def test_base_plus_every_maximum_is_the_top_of_the_range() -> None:
    assert (CARD.base, CARD.base + CARD.max_points, CARD.max_score) == (300, 850, 850)


def test_every_attribute_in_the_table_has_one_definition_and_back() -> None:
    assert [a.name for a in CARD.attributes] == list(ATTRIBUTES)


def test_every_published_version_still_loads_and_uses_only_defined_attributes() -> None:
    for version in ("fairfile-fin-1", "fairfile-fin-2"):
        card = load_scorecard(version)
        assert card.base + card.max_points == card.max_score == 850
        assert {a.name for a in card.attributes} <= set(ATTRIBUTES)


def test_the_current_delinquency_bins_follow_the_metro_2_states() -> None:
    delinquency = CARD.attribute("current_delinquency")
    assert delinquency.family == "payment_history"
    assert [b.points for b in delinquency.bins] == sorted(
        (b.points for b in delinquency.bins), reverse=True
    )


def test_the_docs_publish_the_whole_table_as_the_cli_prints_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert main(["score", "table"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == markdown(CARD)
    assert markdown(CARD) in docs
    for attribute in CARD.attributes:  # every bin, row by row
        for b in attribute.bins:
            assert f"| {b.label} | {b.points} |" in docs, (attribute.name, b.label)


def _table(bins: str) -> str:
    return f"""
[scorecard]
id = "test"
title = "test"
base = 300
max_score = 310

[[attribute]]
name = "x"
family = "credit_mix"
title = "x"
reason_code = "X01"
reason = "x"
bins = [{bins}]
"""


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        ('{label = "a", min = 0, max = 2, points = 10}, {label = "b", min = 4, points = 0}', "gap"),
        ('{label = "a", min = 1, points = 10}', "start at 0"),
        ('{label = "a", min = 0, max = 5, points = 10}', "open-ended"),
        ('{label = "a", min = 0, points = 10.5}', "integer points"),
        ('{label = "a", min = 0, points = 9}', "must equal"),
    ],
)
def test_a_malformed_table_is_refused_with_the_reason(bins: str, message: str) -> None:
    with pytest.raises(ScorecardError, match=message):
        parse_scorecard(_table(bins))
