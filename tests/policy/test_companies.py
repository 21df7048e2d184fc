"""Companies as subjects: a company's listing reaches its legal representative, and only theirs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.company_population import company_params, draw_companies
from bureau.policy.engine import ListRun
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import (
    MonthEvents,
    draw_population,
    load_population_params,
    month_start_day,
    parse_population_params,
    population_document,
)
from bureau.policy.reform import with_assumption
from bureau.policy.regime import RegimeError, parse_regime
from bureau.policy.representatives import RepresentativeReach
from tests.policy.test_bundled_rules import raw

NOTE = "a what-if of this test"
CONSUMPTION = sum(DOMAIN_BIT[d] for d in ("travel", "housing", "schooling", "consumption"))


def _spc(**changes: Any) -> dict[str, Any]:
    doc = with_assumption(raw("spc-blacklist"), "notice.compliance", 0.0, NOTE)
    doc = with_assumption(doc, "listing.extension_share", 0.0, NOTE)
    for path, value in changes.items():
        doc = with_assumption(doc, path.replace("__", "."), value, NOTE)
    return doc


def _linked(doc: dict[str, Any], months: int) -> tuple[ListRun, ListRun, np.ndarray]:
    people = draw_population(200, seed=7)
    companies = draw_companies(people)
    assert companies is not None and companies.size == 5  # 0.026 per person
    regime = parse_regime(doc, "spc.toml")
    person_run = ListRun(regime, people, months, 1)
    company_run = ListRun(regime, companies.population, months, 1)
    rule = regime.require_lab().mechanisms.companies
    assert rule is not None
    person_run.representatives = RepresentativeReach(
        rule, company_run, companies.representative, people.size, 0
    )
    return person_run, company_run, companies.representative


def _month(people: ListRun, companies: ListRun, company_ev: MonthEvents) -> None:
    companies.step(company_ev)
    people.step(MonthEvents.build(company_ev.month))


def test_a_company_listing_reaches_its_representative_and_only_theirs() -> None:
    people, companies, representative = _linked(_spc(), 2)
    _month(people, companies, MonthEvents.build(0, {"judgment_unperformed": [2]}))
    mask = people.applications.mask_all
    assert mask[representative[2]] == CONSUMPTION  # travel, housing, schooling, consumption
    others = np.delete(np.arange(len(mask)), representative[2])
    assert (mask[others] == 0).all()
    assert people.tracker.ever.sum() == 1
    # The representative is not listed: their own standing is clear.
    assert people.standing()[representative[2]] == 1.0
    assert companies.listed_on(month_start_day(1)).tolist() == [False, False, True, False, False]


def test_the_representative_is_freed_on_the_configured_schedule_after_the_company_pays() -> None:
    lift = 40
    people, companies, representative = _linked(_spc(companies__representative_lift_days=lift), 5)
    rep = representative[0]
    _month(people, companies, MonthEvents.build(0, {"judgment_unperformed": [0]}))
    paid = month_start_day(1) + 2
    _month(people, companies, MonthEvents.build(1, performed={0: paid}))
    # The company leaves the list 3 days after paying (lift_days), its representative 40 later.
    company_end = paid + companies.listing.lift_days
    assert companies.end[0] == company_end
    for month in range(2, 5):
        _month(people, companies, MonthEvents.build(month))
        restricted = people.applications.mask_all[rep] != 0
        assert restricted == (company_end + lift > month_start_day(month)), month


def test_a_representative_restricted_through_a_wrong_company_listing_is_wrongly_sanctioned() -> (
    None
):
    people, companies, representative = _linked(_spc(), 1)
    _month(people, companies, MonthEvents.build(0, errors={"judgment_unperformed": [1]}))
    assert people.tracker.wrong_ever[representative[1]]
    assert people.tracker.wrong_ever.sum() == 1


def test_each_company_has_a_different_representative_among_the_people() -> None:
    people = draw_population(20_000, seed=3)
    companies = draw_companies(people)
    assert companies is not None and companies.size == 520
    assert len(set(companies.representative.tolist())) == companies.size
    assert companies.representative.max() < people.size


def test_companies_enter_the_list_per_head_at_the_sourced_ratio_to_people() -> None:
    """Seed 004: 55,000 companies to 228,000 people newly listed; seed 002: 0.026 companies
    per person. So a company is listed 0.241 / 0.026 times as often as a person."""
    params = load_population_params()
    spec = params.companies
    assert spec is not None
    firms = company_params(params)
    share = params.from_default_share

    def entries(p: Any) -> float:
        return float(p.events["judgment_unperformed"].rate + p.events["default"].rate * share)

    assert entries(firms) / entries(params) == pytest.approx(0.241 / 0.026)
    assert firms.events["littering"].rate == 0.0  # a company does not litter
    assert firms.events["default"].rate == params.events["default"].rate


def test_the_comparison_lists_companies_at_about_the_sourced_ratio() -> None:
    comp = compare(resolve_regimes(["spc-blacklist"]), 100_000, 2, seed=1, burn_in_years=3)
    (firms,) = comp.companies
    assert firms.companies == 2600
    assert firms.companies_per_person_sanctioned == pytest.approx(0.241, rel=0.25)
    assert 0 < firms.share_people_reached <= firms.companies / 100_000


def test_a_company_record_at_the_pboc_reaches_no_representative() -> None:
    comp = compare(resolve_regimes(["pboc-crc"]), 5000, 1, seed=1, burn_in_years=1)
    (firms,) = comp.companies
    assert firms.share_sanctioned > 0
    assert firms.share_people_reached == 0.0


def test_a_population_without_companies_runs_none() -> None:
    doc, source = population_document()
    del doc["companies"]
    doc["provenance"] = {
        k: v for k, v in doc["provenance"].items() if not k.startswith("companies.")
    }
    params = parse_population_params(doc, source)
    comp = compare(resolve_regimes(["spc-blacklist"]), 500, 1, 1, params, burn_in_years=1)
    assert comp.companies == []


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"representative_domains": ["travle"]}, "companies.representative_domains", "unknown"),
        ({"representative_lift_days": -1}, "companies.representative_lift_days", "at least 0"),
        ({"subjects": "yes"}, "companies.subjects", "true or false"),
        ({"owner": 1}, "companies.owner", "unknown field"),
    ],
)
def test_a_bad_companies_table_names_the_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    doc = raw("spc-blacklist")
    doc["companies"].update(change)
    with pytest.raises(RegimeError) as err:
        parse_regime(doc, "spc.toml")
    assert any(f == field and reason in r for f, r in err.value.problems)  # type: ignore[attr-defined]


def test_only_a_list_regime_can_reach_a_representative() -> None:
    doc = raw("pboc-crc")
    doc["companies"]["representative_domains"] = ["travel"]
    with pytest.raises(RegimeError) as err:
        parse_regime(doc, "pboc.toml")
    assert "only a list regime" in str(err.value)


def test_a_listed_representative_of_a_listed_company_counts_each_day_once() -> None:
    """Listed themselves from mid-month and reached through their company from the start: the
    month's days restricted are the union of the two spells, not their sum or the longer."""
    people, companies, representative = _linked(_spc(), 1)
    rep = int(representative[3])
    start = month_start_day(0)
    companies.step(MonthEvents.build(0, {"judgment_unperformed": [3]}, day=start + 5))
    people.step(MonthEvents.build(0, {"judgment_unperformed": [rep]}, day=start + 20))
    days_in_month = month_start_day(1) - start
    assert people.tracker.days[rep] == days_in_month - 5


def test_an_spc_listed_company_loses_bank_credit_when_the_regimes_run_jointly() -> None:
    """pboc-crc's joint rule (credit while on the SPC list) applies to companies too."""
    comp = compare(resolve_regimes(["pboc-crc", "spc-blacklist"]), 20_000, 2, 1, burn_in_years=2)
    (joint,) = comp.company_joint
    assert joint.rules == ["pboc-crc: spc-list-credit"]
    spc = next(c for c in comp.companies if c.regime == "spc-blacklist")
    assert 0 < joint.share_restricted_by_joint_rules <= spc.share_sanctioned
    assert "company_joint" in comp.as_json()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"per_person": 2}, "companies.per_person", "between 0 and 1"),
        ({"per_person": 0}, "companies.per_person", "above 0"),
        ({"listing_ratio": "a quarter"}, "companies.listing_ratio", "not a number"),
        ({"firms": 3}, "companies.firms", "unknown field"),
    ],
)
def test_a_bad_companies_table_in_the_population_file_names_the_field(
    change: dict[str, Any], field: str, reason: str
) -> None:
    doc, source = population_document()
    doc["companies"].update(change)
    with pytest.raises(RegimeError) as err:
        parse_population_params(doc, source)
    assert any(f == field and reason in r for f, r in err.value.problems)  # type: ignore[attr-defined]
