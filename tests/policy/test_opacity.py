"""Sesame's opacity: a subject who cannot tell which record moved the score cannot dispute it."""

from __future__ import annotations

from typing import Any

import numpy as np

from bureau.policy.engine import LinearRun
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import MonthEvents, draw_population
from bureau.policy.reform import with_assumption
from bureau.policy.regime import parse_regime
from bureau.policy.report import render_html
from tests.policy.fast import BURN_IN
from tests.policy.test_bundled_rules import raw

NOTE = "a what-if of this test"


def _sesame(locate_share: float) -> dict[str, Any]:
    doc = with_assumption(raw("sesame"), "opacity.locate_share", locate_share, NOTE)
    doc = with_assumption(doc, "participation.take_up", 1.0, NOTE)
    doc = with_assumption(doc, "dispute.file_share_per_year", 1.0, NOTE)
    return with_assumption(doc, "dispute.success_share", 1.0, NOTE)


def _false_default_left_after(locate_share: float, months: int) -> np.ndarray:
    """Everyone gets one false default in month 0; what of it is still on their score."""
    pop = draw_population(300, seed=3)
    run = LinearRun(parse_regime(_sesame(locate_share), "sesame.toml"), pop, months, seed=1)
    run.step(MonthEvents.build(0, errors={"default": list(range(300))}))
    for m in range(1, months):
        run.step(MonthEvents.build(m))
    return run.err.copy()


def test_nobody_can_correct_a_false_record_that_moved_an_opaque_score() -> None:
    left = _false_default_left_after(locate_share=0.0, months=24)
    assert (left < 0).all()  # every false default still weighs on every score


def test_who_can_locate_the_record_disputes_and_corrects_it() -> None:
    left = _false_default_left_after(locate_share=1.0, months=24)
    # A twelfth file each month and every dispute is upheld: (11/12)^23 are left, about 14%.
    assert (left == 0).mean() > 0.75


def test_the_share_who_can_locate_it_is_the_configured_share() -> None:
    pop = draw_population(20_000, seed=3)
    run = LinearRun(parse_regime(_sesame(0.1), "sesame.toml"), pop, 1, seed=1)
    assert abs(run.can_locate.mean() - 0.1) < 0.01


def test_the_opacity_assumption_is_marked_assumed_with_its_range_in_the_report() -> None:
    regimes = resolve_regimes(["sesame"])
    entry = regimes[0].require_lab().provenance["opacity.locate_share"]
    assert entry.status == "assumed" and entry.range is not None
    low, high = entry.range
    assert low <= entry.value <= high and low < high
    html = render_html(compare(regimes, 300, 1, seed=1, burn_in_years=BURN_IN))
    assert "<code>opacity.locate_share</code>" in html
    assert "assumed" in html.split("<code>opacity.locate_share</code>", 1)[1][:400]
