"""Each sample file gives exactly the findings docs/metro2.md lists for it, so the document
and the validator cannot disagree about what is wrong with a file."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bureau.furnishing.metro2.parse import open_file, read
from bureau.furnishing.metro2.validate import validate_items
from tests.furnishing.samples import SAMPLES, sample_id

DOC = Path(__file__).parents[3] / "docs" / "metro2.md"
_ROW = re.compile(r"^\| `(?P<sample>[^`]+)` \| (?P<findings>[^|]+) \|$", re.M)


def _documented() -> dict[str, Counter[str]]:
    table: dict[str, Counter[str]] = {}
    for match in _ROW.finditer(DOC.read_text()):
        cell = match["findings"].strip()
        counts: Counter[str] = Counter()
        if cell != "none":
            for part in cell.split(", "):
                rule, _, count = part.partition(" x ")
                counts[rule] = int(count)
        table[match["sample"]] = counts
    return table


def test_the_document_lists_every_sample_once() -> None:
    assert sorted(_documented()) == sorted(sample_id(p) for p in SAMPLES)


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_each_sample_gives_exactly_its_documented_findings(path: Path) -> None:
    with open_file(path) as stream:
        found = Counter(p.rule for p in validate_items(read(stream)))
    assert found == _documented()[sample_id(path)]
