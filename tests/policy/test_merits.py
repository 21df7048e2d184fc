"""Rongcheng's merits count only when reported with proof; plaques reward whole households; in
2019 the scheme turned opt-in without penalties (procedure.md#rongcheng-procedure)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.engine import LinearRun
from bureau.policy.lab import resolve_regimes
from bureau.policy.population import MonthEvents, draw_population, load_population_params
from bureau.policy.reform import with_assumption
from bureau.policy.regime import RegimeInvalid, load_regime, parse_regime
from bureau.policy.sensitivity import assumed_factors
from tests.policy.test_bundled_rules import quiet, raw

NOTE = "a what-if of this test"
HONOURS = DOMAIN_BIT["honours"]


def rongcheng(changes: dict[str, Any], people: int = 300, months: int = 24) -> LinearRun:
    doc = raw("rongcheng")
    for path, value in changes.items():
        doc = with_assumption(doc, path, value, NOTE)
    regime = parse_regime(doc, "rongcheng.toml")
    return LinearRun(regime, draw_population(people, seed=1), months, seed=1)


def test_a_rongcheng_merit_counts_only_when_self_reported() -> None:
    run = rongcheng({})
    reporter = int(np.flatnonzero(run.merits.reports)[0])
    silent = int(np.flatnonzero(~run.merits.reports)[0])
    run.step(MonthEvents.build(0, {"returned_lost_money": [reporter, silent]}))
    assert run.standing()[reporter] == 1003.0
    assert run.standing()[silent] == 1000.0, "an unreported good deed earns nothing"
    assert run.merits.reports.mean() == pytest.approx(0.3, abs=0.08)


def test_a_deduction_counts_whether_or_not_the_resident_reports_merits() -> None:
    run = rongcheng({})
    silent = int(np.flatnonzero(~run.merits.reports)[0])
    run.step(MonthEvents.build(0, {"littering": [silent]}))
    assert run.standing()[silent] == 997.0


def test_with_every_merit_reported_each_one_counts() -> None:
    run = rongcheng({"merits.report_share": 1.0})
    run.step(MonthEvents.build(0, {"volunteering": list(range(300))}))
    assert (run.standing() == 1001.0).all()


def test_a_household_plaque_rewards_every_member_whatever_their_score() -> None:
    run = rongcheng({"plaques.share_per_year": 1.0})
    run.step(MonthEvents.build(0, {"littering": [0]}))  # person 0 drops to B
    assert run.band_of(run.standing())[0] == run.bands.names.index("B")
    assert (run.rewards.domains & HONOURS != 0).all(), "every household got its plaque"


def test_plaques_follow_the_household_not_the_person() -> None:
    run = rongcheng({"plaques.share_per_year": 0.5})
    run.step(MonthEvents.build(0))
    held = (run.rewards.domains & HONOURS) != 0
    size = run.lab.merits.plaques.household_size if run.lab.merits and run.lab.merits.plaques else 0
    assert size == 3
    households = held[: len(held) // size * size].reshape(-1, size)
    assert (households.all(axis=1) | ~households.any(axis=1)).all()
    assert 0.3 < households[:, 0].mean() < 0.7


def test_rongcheng_turns_opt_in_in_2019_and_stops_penalising_low_scores() -> None:
    # The window starts in 2018, so 2019 begins in month 12.
    run = rongcheng({"calendar.first_year": 2018}, people=2000)
    run.step(MonthEvents.build(0, {"littering": [0]}))
    credit = DOMAIN_BIT["credit"]
    assert run.applications.mask_all[0] & credit, "a B refuses a mortgage in 2018"
    quiet(run, range(1, 12))
    assert run.reach.enrolled.all()
    run.step(MonthEvents.build(12, {"littering": [1]}))
    assert run.standing()[1] == 997.0, "still scored, now without penalty"
    assert not run.applications.mask_all.any(), "no one is restricted from 2019"
    assert run.reach.enrolled.mean() == pytest.approx(0.2, abs=0.03)


def test_rongcheng_opted_out_residents_get_no_rewards_after_2019() -> None:
    run = rongcheng({"calendar.first_year": 2018, "plaques.share_per_year": 1.0}, months=24)
    quiet(run, range(12))
    months_before = run.rewards.months.copy()
    quiet(run, range(12, 24))
    gained = run.rewards.months - months_before
    assert (gained[~run.reach.enrolled] == 0).all()
    assert (gained[run.reach.enrolled] == 12).all()


def test_the_sensitivity_screen_varies_the_new_assumed_parameters() -> None:
    factors = assumed_factors(resolve_regimes(["all"]), load_population_params())
    paths = {(f.owner, f.path) for f in factors}
    for owner, path in [
        ("rongcheng", "merits.report_share"),
        ("rongcheng", "plaques.share_per_year"),
        ("rongcheng", "changes.opt-in-2019.opt_in_share"),
        ("rongcheng", "data.retention_years.civic_conduct"),
        ("spc-blacklist", "procedure.restoration.training_days"),
        ("spc-blacklist", "procedure.ability.checked_share"),
        ("spc-blacklist", "procedure.lift_delay_days.jobs"),
        ("spc-blacklist", "procedure.serious_share.administrative"),
        ("spc-blacklist", "procedure.administrative.listed_share"),
    ]:
        assert (owner, path) in paths, (owner, path)


def test_a_dated_change_without_a_calendar_names_the_field() -> None:
    doc = raw("rongcheng")
    del doc["calendar"]
    with pytest.raises(RegimeInvalid) as caught:
        parse_regime(doc, "rongcheng.toml")
    assert any(f == "calendar" and "first_year" in r for f, r in caught.value.problems)


def test_a_change_that_changes_nothing_or_lists_under_a_score_is_refused() -> None:
    doc = raw("rongcheng")
    doc["changes"].append({"name": "idle", "year": 2020})
    doc["changes"].append({"name": "serious", "year": 2021, "serious_only": True})
    with pytest.raises(RegimeInvalid) as caught:
        parse_regime(doc, "rongcheng.toml")
    problems = caught.value.problems
    assert any(f == "changes.idle" and "changes nothing" in r for f, r in problems)
    assert ("changes.serious.serious_only", "only a list regime lists violations") in problems


def test_rongcheng_retention_is_marked_assumed_with_a_range_the_screen_varies() -> None:
    lab = load_regime("rongcheng").require_lab()
    for category in lab.retention_years:
        entry = lab.provenance[f"data.retention_years.{category}"]
        assert entry.assumed and entry.range is not None, category
        assert entry.range[0] < entry.range[1], category
