"""The real-data check runs offline on German credit with fixed seeds."""

from __future__ import annotations

from bureau.policy.realdata import FINANCIAL, PERSONAL, load_german_credit, run_check


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
