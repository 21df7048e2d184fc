"""The sensitivity screen ranks assumptions by what they do to each headline metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bureau.cli import main
from bureau.policy.lab import resolve_regimes
from bureau.policy.population import load_population_params, population_document
from bureau.policy.regime import Regime
from bureau.policy.sensitivity import (
    Effect,
    Factor,
    Screen,
    assumed_factors,
    morris_screen,
    sobol_all,
    sobol_factors,
    sobol_indices,
    sobol_ranking,
)
from tests.policy.fast import compare_one_year


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
    screen = ["--sensitivity", "morris", "--sensitivity-population", "500"]
    screen += ["--sensitivity-trajectories", "2"]
    record, html = compare_one_year(tmp_path / "r", "spc-blacklist", 500, *screen)
    sens = record["sensitivity"]
    assert sens["effects"]["spc-blacklist"]["share_sanctioned"]
    assert "--sensitivity morris --sensitivity-population 500" in record["reproduce"]
    assert "Sensitivity: which assumptions move the headlines" in html
    assert "Seed noise (SD)" in html


def test_a_screen_of_one_trajectory_is_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--sensitivity", "--sensitivity-trajectories", "1"]) == 2
    assert "--sensitivity-trajectories" in capsys.readouterr().err


def _test_regime() -> list[Regime]:
    """fcra-us with its dispute rate as a factor of its own: a test regime in which the
    population's default rate dominates the share sanctioned by construction (it sanctions on
    defaults; the other two factors barely touch it, or not at all)."""
    return resolve_regimes(["fcra-us"])


DOMINANT = "population:events.default.rate"


def _factors() -> list[Factor]:
    return [
        Factor("population", "events.default.rate", 0.025, 0.0, 0.2, False),
        Factor("population", "events.late_payment.rate", 0.2, 0.18, 0.22, False),
        Factor("population", "events.littering.rate", 0.05, 0.0, 0.5, False),
        Factor("fcra-us", "dispute.file_share_per_year", 0.2, 0.15, 0.25, False),
    ]


def test_the_dominant_parameter_ranks_first_under_morris_and_under_sobol() -> None:
    regimes = _test_regime()
    doc, source = population_document()
    screen = morris_screen(
        regimes, doc, source, population=1500, years=2, seed=2, trajectories=3,
        burn_in_years=1, factors=_factors(), noise_replicates=3,
    )  # fmt: skip
    assert screen.effects["fcra-us"]["share_sanctioned"][0].factor == DOMINANT
    got = sobol_indices(
        screen, regimes, doc, source, "fcra-us", samples=8, burn_in_years=1, factors=_factors()
    )  # fmt: skip
    assert sobol_ranking(screen, "fcra-us", "share_sanctioned")[0] == DOMINANT
    indices = got["share_sanctioned"]["indices"]
    others = [ix["ST"] for name, ix in indices.items() if name != DOMINANT]
    assert indices[DOMINANT]["ST"] > 0.5 > max(others)
    assert indices[DOMINANT]["S1_conf"] >= 0 and indices[DOMINANT]["ST_conf"] >= 0
    # the noise beside the indices: the seed variance against the variance the factors cause
    noise = got["share_sanctioned"]["noise_share"]
    assert noise is not None and 0 <= noise < 0.5
    assert screen.as_json()["sobol"]["fcra-us"] == got


def test_sobol_takes_the_screens_leaders_and_leaves_out_what_is_within_noise() -> None:
    factors = [Factor("population", p, 0.1, 0.0, 1.0, False) for p in ("d", "c", "b", "a")]
    screen = Screen(1000, 1, 1, 2, 0, factors)
    screen.noise["r"] = {"share_sanctioned": 0.01, "auc": 0.01}
    screen.effects["r"] = {
        "share_sanctioned": [Effect("population:a", 0.5, 0.1, 0.1), Effect("population:d", 0.015, 0, 0)],
        "auc": [Effect("population:b", 0.3, 0.1, 0.1), Effect("population:c", 0.2, 0.1, 0.1)],
    }  # fmt: skip
    assert [f.name for f in sobol_factors(screen, "r", top=2)] == ["population:a", "population:b"]
    # d's effect (0.015) is within twice the noise (0.02): never chosen, however many are asked
    chosen = [f.name for f in sobol_factors(screen, "r", top=4)]
    assert chosen == ["population:a", "population:b", "population:c"]


def test_compare_with_sobol_records_indices_beside_the_screen_and_reproduces_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--sensitivity", "sobol", "--sensitivity-population", "400"]
    flags += ["--sobol-samples", "2", "--sobol-top", "2"]
    record, _ = compare_one_year(tmp_path / "r", "fcra-us", 400, *flags)
    sens = record["sensitivity"]
    assert sens["mode"] == "sobol" and sens["sobol_samples"] == 2 and sens["sobol_top"] == 2
    assert "fcra-us" in sens["sobol"]
    assert "--sensitivity sobol" in record["reproduce"]
    assert "--sobol-samples 2 --sobol-top 2" in record["reproduce"]


def test_sobol_samples_that_are_not_a_power_of_two_are_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--sensitivity", "sobol", "--sobol-samples", "6"]) == 2
    assert "--sobol-samples" in capsys.readouterr().err


def test_the_screens_numbers_do_not_depend_on_how_many_processes_run_it() -> None:
    """Spread over processes, every run keeps the screen's seed and its place in the design;
    the regime's own factor makes rows that reuse the lives they share."""
    regimes = _test_regime()
    doc, source = population_document()

    def screen(jobs: int) -> dict[str, Any]:
        got = morris_screen(
            regimes, doc, source, population=600, years=1, seed=4, trajectories=2,
            burn_in_years=1, factors=_factors(), noise_replicates=2, jobs=jobs,
        )  # fmt: skip
        sobol_all(got, regimes, doc, source, top=2, samples=2, burn_in_years=1)
        return got.as_json()

    alone, spread = screen(1), screen(2)
    assert alone == spread
    assert alone["effects"]["fcra-us"]["share_sanctioned"]
