"""A reform is a few lines over a base regime, and runs exactly as a full edited copy would."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from importlib import resources
from pathlib import Path

from bureau.policy.lab import compare
from bureau.policy.reform import apply_reform, with_assumption
from bureau.policy.regime import load_regime, parse_regime

REFORM = """[reform]
id = "fcra-us-15"
name = "FCRA, disputes decided in 15 days"
base = "fcra-us"
[dispute]
resolve_days = 15
file_share_per_year = 0.5
[provenance]
"dispute.resolve_days" = { status = "assumed", value = 15, unit = "days", range = [10, 30], note = "what if disputes were decided in half the time" }
"dispute.file_share_per_year" = { status = "assumed", value = 0.5, unit = "share (0 to 1)", range = [0.05, 0.6], note = "and filed more readily" }
"""


def _builtin(name: str) -> dict[str, object]:
    text = (resources.files("bureau.policy") / "regimes" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_a_short_reform_reproduces_a_full_file_copys_metrics_exactly(tmp_path: Path) -> None:
    reform_path = tmp_path / "fcra-us-15.toml"
    reform_path.write_text(REFORM, encoding="utf-8")
    reform = load_regime(reform_path)
    copy_doc = with_assumption(_builtin("fcra-us"), "dispute.resolve_days", 15, "full copy")
    copy_doc = with_assumption(copy_doc, "dispute.file_share_per_year", 0.5, "full copy")
    copy_doc["regime"]["id"] = "fcra-us-15"
    full = parse_regime(copy_doc, "copy.toml")
    assert reform.require_lab().dispute == full.require_lab().dispute
    got = compare([reform], 3000, 2, seed=4, burn_in_years=2).regimes[0]
    want = compare([full], 3000, 2, seed=4, burn_in_years=2).regimes[0]
    assert got.disputes_filed_per_1000 > 0
    assert dataclasses.asdict(got) == dataclasses.asdict(want) | {"name": got.name}


def test_a_reform_leaves_the_base_document_untouched() -> None:
    base = _builtin("fcra-us")
    before = copy.deepcopy(base)
    apply_reform(base, tomllib.loads(REFORM))
    assert base == before


def test_a_built_in_variant_runs_beside_its_base_and_differs_where_the_reading_differs() -> None:
    regimes = [load_regime("rongcheng"), load_regime("rongcheng-six-classes")]
    seven, six = compare(regimes, 4000, 2, seed=1, burn_in_years=3).regimes
    assert six.share_sanctioned < seven.share_sanctioned, "A as a range sanctions fewer people"
