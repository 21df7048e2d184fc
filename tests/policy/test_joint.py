"""Joint punishment: an entry on one regime's list restricts under another, on a schedule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.engine import LinearRun, ListRun
from bureau.policy.joint import JointRun, bundles
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import MonthEvents, draw_population, month_start_day
from bureau.policy.reform import with_assumption
from bureau.policy.regime import RegimeError, parse_regime
from tests.policy.fast import BURN_IN, PEOPLE
from tests.policy.test_bundled_rules import raw

NOTE = "a what-if of this test"


def _spc() -> dict[str, Any]:
    doc = with_assumption(raw("spc-blacklist"), "notice.compliance", 0.0, NOTE)
    return with_assumption(doc, "listing.extension_share", 0.0, NOTE)


def _pboc(delay: int, lift: int, domains: list[str]) -> dict[str, Any]:
    doc = with_assumption(raw("pboc-crc"), "joint.spc-list-credit.delay_days", delay, NOTE)
    doc = with_assumption(doc, "joint.spc-list-credit.lift_days", lift, NOTE)
    return with_assumption(doc, "joint.spc-list-credit.domains", domains, NOTE)


def _bundle(delay: int, lift: int, domains: list[str], months: int) -> tuple[JointRun, ListRun]:
    pop = draw_population(3, seed=1)
    pboc = LinearRun(parse_regime(_pboc(delay, lift, domains), "pboc.toml"), pop, months, 1)
    spc = ListRun(parse_regime(_spc(), "spc.toml"), pop, months, 1)
    (joint,) = bundles([pboc, spc], pop, months, 0)
    return joint, spc


def _month(joint: JointRun, spc: ListRun, ev: MonthEvents) -> int:
    for run in joint.members:
        run.step(ev)
    joint.step(ev)
    return int(joint.joint_mask[0])


def test_a_listing_under_joint_punishment_restricts_exactly_the_configured_domains() -> None:
    joint, spc = _bundle(0, 3, ["credit", "jobs"], 3)
    mask = _month(joint, spc, MonthEvents.build(0, {"judgment_unperformed": [0]}))
    assert mask == DOMAIN_BIT["credit"] | DOMAIN_BIT["jobs"]
    assert joint.joint_mask[1:].tolist() == [0, 0]  # not listed, not restricted
    assert joint.summary().share_restricted_by_joint_rules == pytest.approx(1 / 3)


def test_joint_restriction_starts_after_the_delay_and_lifts_on_the_configured_schedule() -> None:
    delay, lift = 40, 45
    joint, spc = _bundle(delay, lift, ["credit"], 12)
    listed_day = month_start_day(0)
    got = [_month(joint, spc, MonthEvents.build(0, {"judgment_unperformed": [0]}, day=0))]
    performed = month_start_day(3)
    for m in range(1, 12):
        done = {0: performed} if m == 3 else None
        got.append(_month(joint, spc, MonthEvents.build(m, performed=done)))
    end = int(spc.end[0])
    assert end == performed + spc.listing.lift_days  # the court removes within its 3 days
    expected = [
        DOMAIN_BIT["credit"]
        if month_start_day(m) < end + lift and month_start_day(m + 1) > listed_day + delay
        else 0
        for m in range(12)
    ]
    assert got == expected
    assert got[0] == 0 and got[1] != 0  # the delay: 40 days, into the second month
    assert got[4] != 0 and got[5] == 0  # lifted 45 days after the listing ends


def test_the_joint_runs_days_restricted_are_the_union_of_the_spells_not_the_longest() -> None:
    """Listed on day 0, paid on day 10 (off the list on day 13); the joint rule restricts
    from day 5 to 10 days after the listing ends (day 23): restricted days 0 to 23."""
    pop = draw_population(3, seed=1)
    # The score alone restricts no one: a judgment costs no points here.
    pboc_doc = with_assumption(
        _pboc(5, 10, ["credit"]), "scoring.items.judgment_unperformed", 0, NOTE
    )
    pboc = LinearRun(parse_regime(pboc_doc, "pboc.toml"), pop, 1, 1)
    # Every agency lifts its own restriction as the listing ends (no lifting delays).
    spc_doc = _spc()
    for domain in spc_doc["procedure"]["lift_delay_days"]:
        spc_doc = with_assumption(spc_doc, f"procedure.lift_delay_days.{domain}", 0, NOTE)
    spc = ListRun(parse_regime(spc_doc, "spc.toml"), pop, 1, 1)
    (joint,) = bundles([pboc, spc], pop, 1, 0)
    _month(joint, spc, MonthEvents.build(0, {"judgment_unperformed": [0]}, {}, {0: 10}, day=0))
    assert int(spc.end[0]) == 13
    assert int(joint.tracker.days[0]) == 23  # the longer spell alone would give 18


def test_a_regime_run_alone_ignores_its_joint_rules() -> None:
    alone = compare(resolve_regimes(["pboc-crc"]), 500, 1, seed=3, burn_in_years=0)
    assert alone.joint == []
    both = compare(resolve_regimes(["pboc-crc", "spc-blacklist"]), 500, 1, 3, burn_in_years=0)
    pboc = next(m for m in both.regimes if m.regime == "pboc-crc")
    assert pboc.share_sanctioned == alone.regimes[0].share_sanctioned  # same lives, own rules


def test_the_joint_run_sanctions_at_least_everyone_any_member_sanctions() -> None:
    comp = compare(
        resolve_regimes(["pboc-crc", "spc-blacklist"]), PEOPLE, 2, 5, None, None, BURN_IN
    )
    (joint,) = comp.joint
    assert joint.members == ["pboc-crc", "spc-blacklist"]
    assert joint.rules == ["pboc-crc: spc-list-credit"]
    assert joint.share_sanctioned >= max(m.share_sanctioned for m in comp.regimes)
    assert joint.share_restricted_by_joint_rules > 0
    assert "joint" in comp.as_json()


def test_a_joint_rule_on_a_regime_that_keeps_no_list_is_refused_naming_the_rule() -> None:
    doc = copy.deepcopy(raw("pboc-crc"))
    doc = with_assumption(doc, "joint.spc-list-credit.source", "rongcheng", NOTE)
    regimes = [parse_regime(doc, "pboc.toml"), *resolve_regimes(["rongcheng"])]
    with pytest.raises(ValueError, match=r"joint\.spc-list-credit\.source.*rongcheng"):
        compare(regimes, 50, 1, seed=1, burn_in_years=0)


def test_a_bad_joint_rule_names_the_field_and_the_reason() -> None:
    doc = _pboc(0, 3, ["credit", "luxury"])
    doc = with_assumption(doc, "joint.spc-list-credit.lift_days", -1, NOTE)
    with pytest.raises(RegimeError) as caught:
        parse_regime(doc, "pboc.toml")
    text = str(caught.value)
    assert "joint.spc-list-credit.domains" in text and "unknown domain 'luxury'" in text
    assert "joint.spc-list-credit.lift_days" in text and "at least 0" in text
