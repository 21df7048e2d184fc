"""The sensitivity screen ranks assumptions by what they do to each headline metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bureau.cli import main
from bureau.policy.lab import resolve_regimes
from bureau.policy.population import load_population_params, population_document
from bureau.policy.sensitivity import Factor, assumed_factors, morris_screen


def test_the_parameter_that_dominates_by_construction_ranks_first() -> None:
    """fcra-us sanctions on defaults; the default rate swept from none to eight times the base
    must outrank a mild change in late payments and a conduct rate the regime never reads."""
    regimes = resolve_regimes(["fcra-us"])
    doc, source = population_document()
    factors = [
        Factor("population", "events.default.rate", 0.025, 0.0, 0.2, False),
        Factor("population", "events.late_payment.rate", 0.2, 0.18, 0.22, False),
        Factor("population", "events.littering.rate", 0.05, 0.0, 0.5, False),
    ]
    screen = morris_screen(
        regimes, doc, source, population=2000, years=2, seed=3, trajectories=3,
        burn_in_years=1, factors=factors, noise_replicates=2,
    )  # fmt: skip
    ranked = screen.effects["fcra-us"]["share_sanctioned"]
    assert ranked[0].factor == "population:events.default.rate"
    assert ranked[0].mu_star > 5 * ranked[-1].mu_star
    assert screen.noise["fcra-us"]["share_sanctioned"] is not None


def test_every_assumed_number_with_a_range_is_a_factor_and_no_sourced_one_is() -> None:
    regimes = resolve_regimes(["rongcheng"])
    params = load_population_params()
    factors = assumed_factors(regimes, params)
    names = {f.name for f in factors}
    assert "rongcheng:bands.B.min" in names  # assumed, range given
    assert "rongcheng:scoring.base" not in names  # sourced (seed 004)
    assert "population:behaviour.reads_items_share" in names
    for f in factors:
        assert f.low <= f.value <= f.high and f.low < f.high, f.name


def test_compare_with_sensitivity_reports_a_ranked_table_and_records_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    args = ["compare", "--regimes", "spc-blacklist", "--population", "500", "--years", "1"]
    args += ["--burn-in", "1", "--no-real-data", "--sensitivity", "--sensitivity-population"]
    args += ["500", "--sensitivity-trajectories", "2", "--out", str(out)]
    assert main(args) == 0
    record = json.loads((out / "metrics.json").read_text())
    sens = record["sensitivity"]
    assert sens["effects"]["spc-blacklist"]["share_sanctioned"]
    assert "--sensitivity --sensitivity-population 500" in record["reproduce"]
    html = (out / "report.html").read_text()
    assert "Sensitivity: which assumptions move the headlines" in html
    assert "Seed noise (SD)" in html


def test_a_screen_of_one_trajectory_is_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--sensitivity", "--sensitivity-trajectories", "1"]) == 2
    assert "--sensitivity-trajectories" in capsys.readouterr().err


def test_sobol_indices_on_the_screens_top_factors_give_the_dominant_one_most_variance() -> None:
    from bureau.policy.sensitivity import sobol_indices

    regimes = resolve_regimes(["fcra-us"])
    doc, source = population_document()
    factors = [
        Factor("population", "events.default.rate", 0.025, 0.0, 0.2, False),
        Factor("population", "events.littering.rate", 0.05, 0.0, 0.5, False),
    ]
    screen = morris_screen(
        regimes, doc, source, population=600, years=1, seed=2, trajectories=2,
        burn_in_years=1, factors=factors, noise_replicates=1,
    )  # fmt: skip
    got = sobol_indices(
        screen,
        regimes,
        doc,
        source,
        "fcra-us",
        "share_sanctioned",
        top=2,
        samples=4,
        burn_in_years=1,
    )
    assert got["population:events.default.rate ST"] > got["population:events.littering.rate ST"]
    assert screen.sobol["fcra-us"]["share_sanctioned"] == got
