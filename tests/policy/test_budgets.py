"""Suining's point budgets: a category stops deducting at its budget and deducts again as its
records recover (bundled-regimes.md#suining, seed 003, table 3)."""

from __future__ import annotations

import copy

import pytest

from bureau.policy.engine import LinearRun
from bureau.policy.population import MonthEvents, draw_population
from bureau.policy.regime import RegimeInvalid, load_regime, parse_regime
from tests.policy.test_bundled_rules import quiet, raw


def suining_run(months: int = 60) -> LinearRun:
    return LinearRun(load_regime("suining"), draw_population(2, seed=1), months=months, seed=1)


def test_suining_tax_stops_deducting_at_its_budget_of_50() -> None:
    run = suining_run()
    for m in range(4):  # four arrears of -20 each: the tax row holds at most 50
        run.step(MonthEvents.build(m, {"tax_arrears": [0]}))
    assert run.standing()[0] == 950.0
    assert run.standing()[1] == 1000.0


def test_suining_social_services_category_caps_its_rows_together_at_120() -> None:
    run = suining_run()
    for m in range(6):
        run.step(
            MonthEvents.build(
                m,
                {"tax_arrears": [0], "utility_arrears": [0], "social_security_arrears": [0]},
            )
        )
    # Rows: tax 50, utilities 35, social security 35 = 120, the category's budget.
    assert run.standing()[0] == 880.0


def test_suining_social_management_category_stops_at_530() -> None:
    run = suining_run()
    every = [
        "littering",
        "counterfeit_goods",
        "pyramid_selling",
        "unpermitted_birth",
        "heretical_activity",
        "household_virtue_breach",
        "petition",
        "fight",
        "theft",
        "traffic_offence",
        "bribery",
        "false_accusation",
        "negative_speech",
    ]
    for m in range(20):
        run.step(MonthEvents.build(m, {e: [0] for e in every}))
    assert run.standing()[0] == 1000.0 - 530.0


def test_suining_budget_room_returns_when_the_deductions_recover() -> None:
    run = suining_run()
    for m in range(3):
        run.step(MonthEvents.build(m, {"tax_arrears": [0]}))
    assert run.standing()[0] == 950.0  # 20 + 20 + 10 (capped)
    quiet(run, range(3, 37))  # tax deductions recover after 3 years
    assert run.standing()[0] == 970.0  # the first arrear's 20 back; 30 still held
    quiet(run, range(37, 39))
    assert run.standing()[0] == 1000.0
    run.step(MonthEvents.build(39, {"tax_arrears": [0]}))
    assert run.standing()[0] == 980.0  # the budget has room again


def test_suining_deduction_table_has_a_rule_for_every_row_of_table_3() -> None:
    lab = load_regime("suining").require_lab()
    rows = {b.name for b in lab.budgets}
    assert {"commercial", "social services", "social management", "special"} <= rows
    assert (
        sum(
            b.points
            for b in lab.budgets
            if b.name in {"commercial", "social services", "social management", "special"}
        )
        == 1000
    )
    for budget in lab.budgets:
        assert budget.events, budget.name
        for event in budget.events:
            assert lab.scoring.items[event] < 0


def test_a_budget_naming_an_event_the_regime_does_not_deduct_is_refused() -> None:
    doc = copy.deepcopy(raw("suining"))
    doc["budgets"][0]["events"].append("volunteering")
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "suining.toml")
    assert any(f == "budgets.commercial.events" for f, _ in err.value.problems)


def test_a_budget_without_points_names_the_field() -> None:
    doc = copy.deepcopy(raw("suining"))
    del doc["budgets"][1]["points"]
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "suining.toml")
    assert ("budgets.bank loans.points", "missing") in err.value.problems
