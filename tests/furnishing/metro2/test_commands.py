"""`bureau metro2 validate`: exit 0 on a clean file, 1 when anything is wrong, every problem
printed (one per line, or as a JSON list)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bureau.cli import main
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from tests.furnishing.samples import sample


def test_clean_file_exits_zero_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clean.m2"
    path.write_bytes(to_bytes(records(25, seed=4)))
    assert main(["metro2", "validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "25 base record(s), 0 rejected, 0 with findings for review; clean" in err


def test_problems_print_one_per_line_and_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metro2", "validate", str(sample("moov/unpacked_fixed_file.dat"))]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("current_balance [155-163] @624" in line and "(M2-C01)" in line for line in lines)


def test_json_lists_every_problem_with_its_location(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metro2", "validate", "--json", str(sample("cfpb/m2_file_small.txt"))]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert problems and set(problems[0]) == {
        "record", "segment", "field", "start", "end", "offset", "value", "rule", "reason",
        "severity",
    }  # fmt: skip
    assert any(p["rule"] == "M2-T01" and p["field"] == "total_base_records" for p in problems)


def test_zipped_files_are_validated(capsys: pytest.CaptureFixture[str]) -> None:
    path = sample("cfpb/test_local_zipped/m2_2k_lines_deidentified.TXT.zip")
    assert main(["metro2", "validate", "--json", str(path)]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert any(p["rule"] == "M2-S01" and p["value"].startswith("UNPARSEABLE") for p in problems)


def test_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metro2", "validate", str(tmp_path / "nope.m2")]) == 2
    assert "nope.m2" in capsys.readouterr().err
