"""`bureau metro2 validate`: exit 0 on a clean file, 1 when a problem would reject a record, 3
when there are only findings for review, 2 when the file cannot be read; every problem printed
(one per line, or as a JSON list)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bureau.cli import main
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, to_bytes
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


def _with_a_paid_off_card(n: int) -> list[Record]:
    """A clean file whose first account is a current card paid down to zero: accurate, but
    the CFPB's Status-Balance-5 and Status-SMPA-4 flag it for review."""
    items = list(records(n, seed=4))
    values = {f.name: items[1].main.get(f.name) for f in items[1].main.layout.fields}
    values.update(portfolio_type="R", account_type="18", terms_duration="REV", credit_limit=900,
                  highest_credit=900, current_balance=0, scheduled_payment=0, actual_payment=40,
                  account_status="11", amount_past_due=0, date_first_delinquency=None,
                  payment_rating="", date_closed=None)  # fmt: skip
    items[1] = compose_record("base", values)
    totals = Totals()
    totals.records = 1
    for item in items[1:-1]:
        totals.add(item)
    items[-1] = compose_record("trailer", dict(totals.expected()))
    return items


def test_findings_for_review_only_exit_three(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "review.m2"
    path.write_bytes(to_bytes(_with_a_paid_off_card(5)))
    assert main(["metro2", "validate", str(path)]) == 3
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines and all(line.endswith("[review]") for line in lines)
    assert {"(M2-E08) [review]", "(M2-E25) [review]"} <= {line[line.rindex("(M2-"):]
                                                          for line in lines}  # fmt: skip
    assert "0 rejected, 1 with findings for review" in err


def test_a_rejecting_problem_beside_findings_for_review_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _with_a_paid_off_card(5)
    bad = items[2].main
    f = bad.layout["account_status"]
    bad.replace_text(bad.text[: f.start - 1] + "ZZ" + bad.text[f.end :])
    path = tmp_path / "mixed.m2"
    path.write_bytes(to_bytes(items))
    assert main(["metro2", "validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "(M2-F03)" in out and "[review]" in out
    assert "1 rejected, 1 with findings for review" in err


def test_problems_print_one_per_line_and_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metro2", "validate", str(sample("moov/unpacked_fixed_file.dat"))]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any("current_balance [155-163] @624" in line and "(M2-E04)" in line for line in lines)


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
