"""One population through every regime: reproducible, and calibrated where the law gives figures."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from bureau.policy.catalogue import EVENT_BY_NAME
from bureau.policy.lab import compare, draw_lives, resolve_regimes
from bureau.policy.population import (
    FINANCIAL_CATEGORIES,
    draw_population,
    event_stream,
    load_population_params,
    parse_population_params,
)
from bureau.policy.reform import with_assumption
from bureau.policy.regime import RegimeInvalid
from bureau.policy.tracking import auc_pairs
from tests.policy.fast import BURN_IN, PEOPLE


def test_identical_seeds_give_identical_metrics() -> None:
    regimes = resolve_regimes(["all"])
    first = compare(regimes, population=3000, years=3, seed=7, burn_in_years=BURN_IN).as_json()
    second = compare(regimes, population=3000, years=3, seed=7, burn_in_years=BURN_IN).as_json()
    assert first == second


def test_lives_drawn_once_and_reused_give_the_same_numbers_as_drawing_them_again() -> None:
    regimes = resolve_regimes(["all"])
    params = load_population_params()
    lives = draw_lives(PEOPLE, 7, params, 12 * (2 + BURN_IN))
    fresh = compare(regimes, PEOPLE, 2, 7, params, burn_in_years=BURN_IN).as_json()
    for _ in range(2):  # a second pass over the same lives: no run changed them
        again = compare(regimes, PEOPLE, 2, 7, params, None, BURN_IN, lives).as_json()
        assert again == fresh


def test_lives_drawn_for_another_size_seed_or_length_are_refused() -> None:
    regimes = resolve_regimes(["fcra-us"])
    lives = draw_lives(PEOPLE, 7, None, 12 * (2 + BURN_IN))
    for size, seed, years in ((PEOPLE + 1, 7, 2), (PEOPLE, 8, 2), (PEOPLE, 7, 3)):
        with pytest.raises(ValueError, match="lives: drawn for another"):
            compare(regimes, size, years, seed, None, None, BURN_IN, lives)


def test_a_different_seed_gives_a_different_population() -> None:
    regimes = resolve_regimes(["fcra-us"])
    a = compare(regimes, population=3000, years=2, seed=1, burn_in_years=BURN_IN).as_json()
    b = compare(regimes, population=3000, years=2, seed=2, burn_in_years=BURN_IN).as_json()
    assert a != b


def test_a_regimes_results_do_not_depend_on_which_others_run_beside_it() -> None:
    alone = compare(resolve_regimes(["suining"]), PEOPLE, 2, seed=3, burn_in_years=BURN_IN).regimes[
        0
    ]
    together = compare(resolve_regimes(["all"]), PEOPLE, 2, seed=3, burn_in_years=BURN_IN).regimes
    assert next(m for m in together if m.regime == "suining") == alone


def test_false_financial_items_reach_the_ftc_prevalence_over_seven_years() -> None:
    """FTC 2012: 26% of consumers had a potentially material error (fcra.md)."""
    pop = draw_population(20_000, seed=5)
    hit = np.zeros(pop.size, bool)
    for ev in event_stream(pop, 12 * 7):
        for name, batch in ev.errors.items():
            if EVENT_BY_NAME[name].category in FINANCIAL_CATEGORIES:
                hit[batch.idx] = True
    assert hit.mean() == pytest.approx(0.26, abs=0.015)


def test_offences_correlate_only_weakly_with_repayment_risk_by_default() -> None:
    pop = draw_population(50_000, seed=2)
    rho = float(np.corrcoef(pop.risk, pop.conduct)[0, 1])
    assert rho == pytest.approx(pop.params.financial_social_correlation, abs=0.02)


def test_population_parameters_without_a_source_are_refused() -> None:
    doc = tomllib.loads((resources.files("bureau.policy") / "population.toml").read_text("utf-8"))
    doc["population"]["enforcement_ratio"] = -1
    del doc["provenance"]["population.protected_share"]
    with pytest.raises(RegimeInvalid) as err:
        parse_population_params(doc, "population.toml")
    fields = {f for f, _ in err.value.problems}
    assert {"population.enforcement_ratio", "population.protected_share"} <= fields


def test_bundled_population_parameters_load() -> None:
    params = load_population_params()
    assert math.isclose(
        1 - math.exp(-params.financial_false_item_rate * params.prevalence_window_years),
        params.financial_error_prevalence,
    )


def test_auc_counts_ties_as_half_and_ranks_defaulters_low() -> None:
    score = np.array([800, 700, 700, 500], np.float32)
    defaulted = np.array([False, True, False, True])
    wins, pairs = auc_pairs(score, defaulted)
    # negatives 800, 700 vs positives 700, 500: (1 + 0.5) + (1 + 1) = 3.5 of 4 pairs
    assert (wins, pairs) == (3.5, 4.0)


def test_a_financial_scorecard_predicts_default_better_than_conduct_points() -> None:
    result = compare(
        resolve_regimes(["fcra-us", "rongcheng"]), 20_000, 4, seed=1, burn_in_years=BURN_IN
    )
    auc = {m.regime: m.auc for m in result.regimes}
    assert auc["fcra-us"] is not None and auc["rongcheng"] is not None
    assert auc["fcra-us"] > auc["rongcheng"]


def test_a_population_what_if_where_conduct_predicts_repayment_raises_a_points_regimes_auc(
    tmp_path: Path,
) -> None:
    text = (resources.files("bureau.policy") / "population.toml").read_text("utf-8")
    doc = with_assumption(
        tomllib.loads(text), "population.financial_social_correlation", 0.9, "what if it were"
    )
    regimes = resolve_regimes(["rongcheng"])
    weak = compare(regimes, 20_000, 4, seed=1, burn_in_years=BURN_IN).regimes[0].auc
    params = parse_population_params(doc, "strong.toml")
    assert params.financial_social_correlation == 0.9
    tight = compare(regimes, 20_000, 4, 1, params, burn_in_years=BURN_IN).regimes[0].auc
    assert weak is not None and tight is not None
    assert tight > weak + 0.03


def test_after_the_burn_in_the_declined_share_is_steady_rather_than_climbing_from_empty() -> None:
    regimes = resolve_regimes(["fcra-us"])
    cold = compare(regimes, 20_000, 6, seed=1, burn_in_years=0).regimes[0].bands_by_year
    warm = compare(regimes, 20_000, 6, seed=1).regimes[0].bands_by_year
    declined = 1  # fcra-us bands: prime, declined
    assert cold[-1][declined] > 2 * cold[0][declined]  # files filling up from empty
    assert abs(warm[-1][declined] - warm[0][declined]) < 0.02


def test_the_default_burn_in_is_the_longest_retention_or_term() -> None:
    from bureau.policy.lab import steady_state_years

    assert steady_state_years(resolve_regimes(["fcra-us"])) == 10  # bankruptcy, §605(a)(1)
    assert compare(resolve_regimes(["fcra-us"]), 500, 1, seed=1).burn_in_years == 10
