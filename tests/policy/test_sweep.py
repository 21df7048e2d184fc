"""`--sweep` moves one parameter across a range and shows every regime's answer, point by point,
each with its interval."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.cli import main
from bureau.policy.lab import resolve_regimes
from bureau.policy.population import population_document
from bureau.policy.regime import RegimeError
from bureau.policy.sweep import parse_sweep, run_sweep
from tests.policy.fast import BURN_IN, compare_one_year


def test_a_sweep_of_the_default_rate_raises_the_share_sanctioned_point_by_point() -> None:
    regimes = resolve_regimes(["fcra-us", "spc-blacklist"])
    doc, source = population_document()
    got = run_sweep(
        parse_sweep("events.default.rate=0.01:0.1:3"), regimes, doc, source,
        population=1500, years=2, seed=3, replicates=2, burn_in_years=BURN_IN,
    )  # fmt: skip
    assert got["values"] == [0.01, 0.055, 0.1]
    assert got["applies_to"] == ["every regime (population file)"]
    shares = [p["mean"] for p in got["points"]["fcra-us"]["share_sanctioned"]]
    assert shares[0] < shares[1] < shares[2]
    for regime in ("fcra-us", "spc-blacklist"):
        for p in got["points"][regime]["share_sanctioned"]:
            assert p["low"] is not None and 0 <= p["low"] <= p["mean"] <= p["high"] <= 1
            assert p["base"] == 1500


def test_a_sweep_of_a_regime_path_reaches_only_the_regimes_that_have_it() -> None:
    regimes = resolve_regimes(["fcra-us", "spc-blacklist"])
    doc, source = population_document()
    got = run_sweep(
        parse_sweep("fcra-us:dispute.file_share_per_year=0.1:0.5:2"), regimes, doc, source,
        population=800, years=1, seed=1, replicates=2, burn_in_years=1,
    )  # fmt: skip
    assert got["applies_to"] == ["fcra-us"]
    blacklist = got["points"]["spc-blacklist"]["share_sanctioned"]
    assert blacklist[0] == blacklist[1], "a regime the sweep does not reach runs unchanged"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("events.default.rate", "PATH=LO:HI:STEPS"),
        ("events.default.rate=0.1:0.01:3", "LO must be below HI"),
        ("events.default.rate=0.01:0.1:1", "STEPS must be between"),
        ("events.default.rate=a:0.1:3", "must be numbers"),
    ],
)
def test_a_malformed_sweep_is_refused_naming_the_flag_and_the_reason(
    text: str, reason: str
) -> None:
    with pytest.raises(RegimeError) as caught:
        parse_sweep(text)
    assert caught.value.field == "--sweep" and reason in caught.value.reason


def test_a_sweep_of_a_path_nothing_has_or_out_of_bounds_is_refused_before_running() -> None:
    regimes = resolve_regimes(["fcra-us"])
    doc, source = population_document()

    def sweep(text: str) -> None:
        run_sweep(
            parse_sweep(text), regimes, doc, source,
            population=100, years=1, seed=1, replicates=2, burn_in_years=1,
        )  # fmt: skip

    with pytest.raises(RegimeError) as missing:
        sweep("no.such.path=0:1:2")
    assert "no number at 'no.such.path'" in str(missing.value)
    with pytest.raises(RegimeError) as bounds:
        sweep("errors.other_false_record_share=0.5:3:2")
    assert "errors.other_false_record_share" in str(bounds.value)


def test_compare_with_a_sweep_draws_a_chart_per_headline_and_reproduces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = ["--sweep", "events.default.rate=0.01:0.05:2", "--sweep-replicates", "2"]
    record, html = compare_one_year(tmp_path / "r", "fcra-us", 400, *sweep)
    assert record["sweep"]["values"] == [0.01, 0.05]
    assert "--sweep events.default.rate=0.01:0.05:2 --sweep-replicates 2" in record["reproduce"]
    assert 'aria-label="share_sanctioned against events.default.rate"' in html
    assert "n=400 per run" in html


def test_a_bad_sweep_on_the_command_line_exits_2_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--sweep", "events.default.rate=1:0:3"]) == 2
    assert "--sweep" in capsys.readouterr().err
