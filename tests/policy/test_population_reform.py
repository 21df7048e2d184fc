"""A population reform is a few lines over the bundled population file, and runs exactly as a
full edited copy of that file would."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import pytest

from bureau.cli import main
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import load_population_params
from bureau.policy.regime import RegimeError
from tests.policy.fast import BURN_IN

NOTE = "what if twice as many conduct records were false"
ENTRY = (
    '{ status = "assumed", value = 0.1, unit = "share (0 to 1)", range = [0.025, 0.2], '
    f'note = "{NOTE}" }}'
)
THREE_LINES = f"""reform.base = "population.toml"
errors.other_false_record_share = 0.1
provenance."errors.other_false_record_share" = {ENTRY}
"""


def _full_copy(tmp_path: Path) -> Path:
    """The bundled file, copied whole, with the one value and its provenance line edited."""
    text = (resources.files("bureau.policy") / "population.toml").read_text("utf-8")
    lines = text.splitlines()
    value = [i for i, line in enumerate(lines) if line.startswith("other_false_record_share =")]
    prov = [i for i, line in enumerate(lines) if line.startswith('"errors.other_false_record')]
    assert len(value) == 1 and len(prov) == 1
    lines[value[0]] = "other_false_record_share = 0.1"
    lines[prov[0]] = f'"errors.other_false_record_share" = {ENTRY}'
    path = tmp_path / "population-copy.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_three_line_population_reform_reproduces_a_full_file_copys_metrics_exactly(
    tmp_path: Path,
) -> None:
    reform = tmp_path / "false-records.toml"
    reform.write_text(THREE_LINES, encoding="utf-8")
    assert len(THREE_LINES.strip().splitlines()) == 3
    short, full = load_population_params(reform), load_population_params(_full_copy(tmp_path))
    assert short.other_false_record_share == full.other_false_record_share == 0.1
    assert dataclasses.replace(short, source="") == dataclasses.replace(full, source="")
    regimes = resolve_regimes(["spc-blacklist", "rongcheng"])
    got = compare(regimes, 2000, 2, 7, short, burn_in_years=BURN_IN)
    want = compare(regimes, 2000, 2, 7, full, burn_in_years=BURN_IN)
    base = compare(regimes, 2000, 2, 7, burn_in_years=BURN_IN)
    rows = [[dataclasses.asdict(m) for m in c.regimes] for c in (got, want, base)]
    assert rows[0] == rows[1]
    assert rows[0] != rows[2], "the reform changed something the regimes read"


def test_a_population_reform_that_changes_a_value_without_provenance_is_refused(
    tmp_path: Path,
) -> None:
    reform = tmp_path / "stale.toml"
    reform.write_text(
        'reform.base = "population.toml"\nerrors.other_false_record_share = 0.1\n', "utf-8"
    )
    with pytest.raises(RegimeError) as caught:
        load_population_params(reform)
    assert "errors.other_false_record_share" in str(caught.value)
    assert "stale provenance" in str(caught.value)


def test_a_population_reform_naming_a_missing_base_is_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    reform = tmp_path / "nobase.toml"
    reform.write_text('reform.base = "elsewhere.toml"\n', "utf-8")
    with pytest.raises(RegimeError) as caught:
        load_population_params(reform)
    assert caught.value.field == "reform.base"


def test_compare_runs_a_population_reform_and_its_reproduce_line_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reform = tmp_path / "false-records.toml"
    reform.write_text(THREE_LINES, encoding="utf-8")
    out = tmp_path / "r"
    args = ["compare", "--regimes", "spc-blacklist", "--population", "500", "--years", "1"]
    args += ["--burn-in", "1", "--no-real-data", "--population-file", str(reform)]
    assert main([*args, "--out", str(out)]) == 0
    record = json.loads((out / "metrics.json").read_text())
    assert f"--population-file {reform}" in record["reproduce"]
    assert record["regimes"][0]["regime"] == "spc-blacklist"
