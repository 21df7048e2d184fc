"""`bureau compare` writes a self-contained report; `bureau regimes` validates files."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from bureau.cli import main


def test_compare_writes_an_offline_report_csv_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    code = main(
        [
            "compare",
            "--regimes",
            "all",
            "--population",
            "1500",
            "--years",
            "2",
            "--seed",
            "1",
            "--out",
            str(out),
            "--no-real-data",
        ]
    )
    assert code == 0
    html = (out / "report.html").read_text("utf-8")
    assert "<svg" in html and "</html>" in html
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), "no network references"
    assert "<script" not in html and "<link" not in html
    rows = list(csv.DictReader((out / "metrics.csv").open(encoding="utf-8")))
    assert [r["regime"] for r in rows] == [
        "fcra-consent",
        "fcra-us",
        "pboc-crc",
        "rongcheng",
        "sesame",
        "spc-blacklist",
        "suining",
    ]
    data = json.loads((out / "metrics.json").read_text("utf-8"))
    assert data["population"] == 1500 and len(data["regimes"]) == 7
    screen = capsys.readouterr()
    assert "rongcheng" in screen.out
    assert "simulating" in screen.err  # the progress bar goes to stderr


def test_compare_names_a_broken_regime_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[regime]\nid = "x"\nname = "x"\n[data]\nadmissible = []\n[scoring]\n')
    code = main(["compare", "--regimes", str(broken), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "scoring.kind" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_compare_refuses_an_empty_population(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--population", "0"]) == 2
    assert "--population" in capsys.readouterr().err


def test_regimes_lists_the_built_ins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regimes"]) == 0
    assert "spc-blacklist" in capsys.readouterr().out


def test_the_report_states_every_assumption_and_its_source(tmp_path: Path) -> None:
    from html import escape

    from bureau.policy.lab import compare, resolve_regimes
    from bureau.policy.report import render_html

    regimes = resolve_regimes(["all"])
    html = render_html(compare(regimes, 500, 1, seed=1, burn_in_years=1))
    for regime in regimes:
        for field, source in regime.require_lab().provenance.items():
            assert escape(source.citation()) in html, (regime.id, field)
    assert "26.0%" in html  # the FTC 2012 error prevalence the population is calibrated to


def test_metrics_json_records_the_exact_reproduce_command_and_file_hashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from importlib import resources

    pop = tmp_path / "pop.toml"
    pop.write_text((resources.files("bureau.policy") / "population.toml").read_text("utf-8"))
    out = tmp_path / "r"
    args = ["compare", "--regimes", "fcra-us", "--population", "800", "--years", "1"]
    args += ["--burn-in", "1", "--replicates", "2", "--population-file", str(pop)]
    assert main([*args, "--out", str(out), "--no-real-data"]) == 0
    record = json.loads((out / "metrics.json").read_text("utf-8"))
    assert f"--population-file {pop}" in record["reproduce"]
    assert "--replicates 2" in record["reproduce"] and "--burn-in 1" in record["reproduce"]
    assert len(record["population_file"]["sha256"]) == 64
    assert len(record["regime_files"]["fcra-us"]["sha256"]) == 64
    again = tmp_path / "again"
    replay = [*record["reproduce"].split()[1:], "--out", str(again), "--no-real-data"]
    assert main(replay) == 0
    second = json.loads((again / "metrics.json").read_text("utf-8"))
    assert second["regimes"] == record["regimes"] and second["estimates"] == record["estimates"]


def test_compare_refuses_zero_replicates_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--replicates", "0", "--no-real-data"]) == 2
    assert "--replicates" in capsys.readouterr().err
