"""The real-data check runs offline on German credit with fixed seeds."""

from __future__ import annotations

from pathlib import Path

from bureau.policy.realdata import (
    FINANCIAL,
    PERSONAL,
    cached_check,
    load_german_credit,
    run_check,
)


def test_german_credit_ships_inside_the_package_with_every_attribute_split() -> None:
    df = load_german_credit()
    assert len(df) == 1000
    assert set(FINANCIAL) | set(PERSONAL) | {"creditability"} == set(df.columns)
    assert not set(FINANCIAL) & set(PERSONAL)


def test_same_seed_same_folds_same_auc() -> None:
    family = ("binned logistic regression",)
    first = run_check(seed=1, folds=3, repeats=1, families=family)
    second = run_check(seed=1, folds=3, repeats=1, families=family)
    assert first == second
    res = first["results"]["binned logistic regression"]
    assert 0.5 < res["personal only"]["auc_mean"] < res["financial only"]["auc_mean"]


def test_the_check_is_computed_once_per_inputs_and_read_back_after(tmp_path: Path) -> None:
    family = ("binned logistic regression",)
    first = cached_check(seed=2, folds=3, repeats=1, families=family, folder=tmp_path)
    assert first["cached"] is None and len(list(tmp_path.iterdir())) == 1
    again = cached_check(seed=2, folds=3, repeats=1, families=family, folder=tmp_path)
    assert again["cached"] is not None
    assert {k: v for k, v in again.items() if k != "cached"} == {
        k: v for k, v in first.items() if k != "cached"
    }
    other = cached_check(seed=3, folds=3, repeats=1, families=family, folder=tmp_path)
    assert other["cached"] is None, "another seed is another entry"


def test_the_thin_file_experiment_scores_the_gain_on_thin_files_with_a_paired_test() -> None:
    result = run_check(seed=1, folds=3, repeats=1, families=("binned logistic regression",))
    thin = result["results"]["binned logistic regression"]["thin_file"]
    assert 0 < result["thin_file_rows"] < result["rows"]
    gain = thin["gain_all_vs_financial"]
    assert gain["low"] <= gain["mean"] <= gain["high"] and 0.0 <= gain["p_value"] <= 1.0
    assert 0.5 < thin["auc_financial_only"] < 1.0
