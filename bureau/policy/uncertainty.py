"""Replicate means with 95% intervals, and the small-group flag.

Why a Student t interval over replicates: each replicate is an independent population and
independent dice, so the spread of a metric across replicates is its run-to-run noise; with a
handful of replicates the t quantile (not 1.96) keeps the interval honest. A metric computed
over few people (the never-corrected share of the 46 people a blacklist wrongly lists) is
flagged so it is never read like one over 100,000. A share cannot leave [0, 1] nor a count
go below 0, however few the replicates, so an interval is clipped to what the metric can be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SMALL_GROUP = 100  # fewer people (or applications) than this behind a metric: flagged
Bounds = tuple[float, float]
SHARE: Bounds = (0.0, 1.0)
COUNT: Bounds = (0.0, math.inf)


def metric_bounds(name: str) -> Bounds:
    """What a metric can be: a share (or an AUC) lies in [0, 1]; every other metric the lab
    reports (counts per 1,000, years, months, ratios, categories) is at least 0."""
    return SHARE if name.startswith("share_") or name == "auc" else COUNT


@dataclass(frozen=True)
class Estimate:
    """A metric over replicates: mean, 95% interval (None with one replicate), runs, and the
    smallest group it was computed over in any run."""

    mean: float | None
    low: float | None
    high: float | None
    runs: int
    base: int

    def small(self, threshold: int = SMALL_GROUP) -> bool:
        return self.base < threshold


def estimate(
    values: Sequence[float | None], base: int, bounds: Bounds = (-math.inf, math.inf)
) -> Estimate:
    """Mean and 95% t interval of the defined values (a metric undefined in a run is left out),
    the interval clipped to `bounds` (see `metric_bounds`)."""
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return Estimate(None, None, None, 0, base)
    mean = math.fsum(xs) / len(xs)
    if len(xs) < 2:
        return Estimate(mean, None, None, len(xs), base)
    from scipy.stats import t as student_t  # the lab extra; one replicate needs no quantile

    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    half = float(student_t.ppf(0.975, len(xs) - 1)) * sd / math.sqrt(len(xs))
    low, high = bounds
    return Estimate(mean, max(mean - half, low), min(mean + half, high), len(xs), base)


def series_estimate(
    runs: Sequence[Sequence[float]], bounds: Bounds = SHARE
) -> tuple[list[float], list[float], list[float]]:
    """A series over replicates, point by point: its mean and 95% t interval (clipped to
    `bounds`), as `estimate` gives for one metric; all runs must be the same length. With one
    run the interval is the run itself (no width), so a chart draws no band it cannot claim."""
    import numpy as np

    ys = np.asarray(runs, dtype=float)
    mean = ys.mean(axis=0)
    if len(ys) < 2:
        return mean.tolist(), mean.tolist(), mean.tolist()
    from scipy.stats import t as student_t

    half = float(student_t.ppf(0.975, len(ys) - 1)) * ys.std(axis=0, ddof=1) / math.sqrt(len(ys))
    low = np.maximum(mean - half, bounds[0])
    high = np.minimum(mean + half, bounds[1])
    return mean.tolist(), low.tolist(), high.tolist()
