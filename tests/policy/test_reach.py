"""Whom a restriction reaches: fcra-us declines reach jobs only through employment reports."""

from __future__ import annotations

from typing import Any

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.engine import LinearRun
from bureau.policy.population import MonthEvents, draw_population
from bureau.policy.reform import with_assumption
from bureau.policy.regime import load_regime, parse_regime
from tests.policy.test_bundled_rules import raw

NOTE = "a what-if of this test"
PEOPLE = 20_000


def _declined_everyone(doc: dict[str, Any]) -> LinearRun:
    run = LinearRun(parse_regime(doc, "fcra-us.toml"), draw_population(PEOPLE, seed=5), 1, 1)
    everyone = list(range(PEOPLE))
    run.step(MonthEvents.build(0, {"bankruptcy": everyone, "default": everyone}))
    return run


def test_an_fcra_us_decline_restricts_jobs_only_at_the_configured_share() -> None:
    share = load_regime("fcra-us").require_lab().mechanisms.reach["jobs"]
    run = _declined_everyone(raw("fcra-us"))
    declined = run.band_of(run.standing()) == run.bands.names.index("declined")
    assert declined.all()
    jobs = (run.tracker.domains & DOMAIN_BIT["jobs"]) != 0
    assert abs(jobs.mean() - share) < 0.015
    # Credit and housing are reached by every decline: only jobs need an employment report.
    assert ((run.tracker.domains & DOMAIN_BIT["credit"]) != 0).all()
    assert ((run.tracker.domains & DOMAIN_BIT["housing"]) != 0).all()


def test_the_jobs_reach_follows_the_parameter() -> None:
    doc = with_assumption(raw("fcra-us"), "domain_reach.jobs", 0.47, NOTE)
    run = _declined_everyone(doc)
    jobs = (run.tracker.domains & DOMAIN_BIT["jobs"]) != 0
    assert abs(jobs.mean() - 0.47) < 0.015


def test_sesame_grades_only_who_joined_in_its_band_counts_and_auc() -> None:
    """An opted-out person has no Sesame score, so holds no grade: the year-end band shares are
    of the people who joined (they sum to one over them), not of everyone."""
    doc = with_assumption(raw("sesame"), "participation.take_up", 0.3, NOTE)
    pop = draw_population(2000, seed=2)
    run = LinearRun(parse_regime(doc, "sesame.toml"), pop, 12, 1)
    joined = run.reach.enrolled
    perks = run.bands.names.index("perks")
    # Records about people who never joined move no grade anyone sees.
    outside = [int(i) for i in (~joined).nonzero()[0]]
    for m in range(12):
        run.step(MonthEvents.build(m, {"default": outside}))
    (shares,) = run.tracker.bands_by_year
    assert abs(sum(shares) - 1.0) < 1e-9
    graded = run.band_of(run.standing())[joined]
    assert shares[perks] == (graded == perks).mean()
