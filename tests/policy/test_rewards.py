"""Rewards are counted beside sanctions, in exactly the life domains the regime names."""

from __future__ import annotations

import pytest

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS
from bureau.policy.engine import LinearRun
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import MonthEvents, draw_population
from bureau.policy.regime import load_regime
from tests.policy.fast import BURN_IN, PEOPLE


def test_suining_grade_a_is_rewarded_in_jobs_and_nowhere_else() -> None:
    """Suining: grade A gives preferential access to jobs (seed 003); a point lost is grade
    'A, points lost', which holds no reward."""
    run = LinearRun(load_regime("suining"), draw_population(2, seed=1), months=2, seed=1)
    run.step(MonthEvents.build(0, {"littering": [1]}))
    run.step(MonthEvents.build(1))
    assert run.rewards.domains.tolist() == [DOMAIN_BIT["jobs"], 0]
    assert run.rewards.ever.tolist() == [True, False]
    shares = run.rewards.domain_shares()
    assert shares["jobs"] == 0.5
    assert all(shares[d] == 0 for d in DOMAINS if d != "jobs")


def test_a_reward_is_not_a_restriction_lifted() -> None:
    """The grade-A reward leaves the restriction tracker untouched: carrot and stick apart."""
    run = LinearRun(load_regime("suining"), draw_population(1, seed=1), months=1, seed=1)
    run.step(MonthEvents.build(0))
    assert run.rewards.domains[0] == DOMAIN_BIT["jobs"]
    assert run.tracker.domains[0] == 0 and not run.tracker.ever[0]


def test_each_regime_reports_rewards_only_in_the_domains_its_file_names() -> None:
    regimes = resolve_regimes(["all"])
    comp = compare(regimes, PEOPLE, 1, seed=4, burn_in_years=BURN_IN)
    for regime, m in zip(regimes, comp.regimes, strict=True):
        lab = regime.require_lab()
        named = set().union(*lab.mechanisms.rewards.values())
        if lab.merits is not None and lab.merits.plaques is not None:
            named |= lab.merits.plaques.domains  # a household's plaque (merits.py)
        held = {d for d, share in m.reward_domain_shares.items() if share > 0}
        assert held <= named, regime.id
        if not named:
            assert m.share_rewarded == 0.0, regime.id
    sesame = next(m for m in comp.regimes if m.regime == "sesame")
    assert sesame.share_rewarded > 0
    assert sesame.reward_domain_shares["credit"] == pytest.approx(sesame.share_rewarded)
