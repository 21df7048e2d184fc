"""The SPC blacklist's procedure: routes onto the list, the ability test, credit restoration,
each agency's lifting delay, and the 2019 serious-violations rule (procedure.md#spc-procedure)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS
from bureau.policy.engine import ListRun
from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.mechanisms_report import mechanism_rows
from bureau.policy.population import MonthEvents, draw_population, month_start_day
from bureau.policy.procedure import ADMINISTRATIVE, COURT
from bureau.policy.reform import with_assumption
from bureau.policy.regime import RegimeInvalid, load_regime, parse_regime
from tests.policy.fast import BURN_IN, PEOPLE
from tests.policy.test_bundled_rules import quiet, raw

NOTE = "a what-if of this test"


def spc(changes: dict[str, Any]) -> dict[str, Any]:
    """The bundled list without its random warnings and extensions, with `changes` made."""
    doc = with_assumption(raw("spc-blacklist"), "notice.compliance", 0.0, NOTE)
    doc = with_assumption(doc, "listing.extension_share", 0.0, NOTE)
    for path, value in changes.items():
        doc = with_assumption(doc, path, value, NOTE)
    return doc


def run_of(doc: dict[str, Any], people: int = 3, months: int = 36) -> ListRun:
    pop = draw_population(people, seed=1)
    pop.income[:] = 0.0  # everyone able to pay, unless a test says otherwise
    return ListRun(parse_regime(doc, "spc-blacklist.toml"), pop, months, seed=1)


def test_an_administrative_route_lists_a_person_with_tax_arrears() -> None:
    run = run_of(spc({"procedure.administrative.listed_share": 1.0}))
    run.step(MonthEvents.build(0, {"tax_arrears": [0]}, day=4))
    assert run.listed_on(4).tolist() == [True, False, False]
    assert run.procedure.route[0] == ADMINISTRATIVE
    assert run.tracker.domains[0] == run.listed_mask


def test_without_the_administrative_route_tax_arrears_list_no_one() -> None:
    doc = spc({})
    del doc["procedure"]["administrative"], doc["procedure"]["restoration"]
    for path in [p for p in doc["provenance"] if p.startswith(("procedure.adm", "procedure.res"))]:
        del doc["provenance"][path]
    run = run_of(doc)
    run.step(MonthEvents.build(0, {"tax_arrears": [0]}, day=4))
    assert not run.listed_on(4).any()


def test_a_person_unable_to_perform_is_not_listed() -> None:
    run = run_of(spc({"procedure.ability.checked_share": 1.0}))
    run.pop.income[0] = -3.0  # below the floor: cannot pay the judgment
    run.step(MonthEvents.build(0, {"judgment_unperformed": [0, 1]}, day=2))
    assert run.listed_on(2).tolist() == [False, True, False]
    assert run.counters.refused_unable == 1
    assert run.procedure.route[1] == COURT


def test_an_unable_person_listed_because_nobody_tested_is_listed_wrongly() -> None:
    run = run_of(spc({"procedure.ability.checked_share": 0.0}))
    run.pop.income[0] = -3.0
    run.step(MonthEvents.build(0, {"judgment_unperformed": [0, 1]}, day=2))
    assert run.listed_on(2).tolist() == [True, True, False]
    assert run.wrong.tolist() == [True, False, False]
    assert run.tracker.wrong_ever[0] and not run.tracker.wrong_ever[1]


@pytest.mark.parametrize(("commitment", "training", "objection"), [(7, 14, 30), (20, 40, 5)])
def test_a_restored_person_is_delisted_after_the_configured_steps(
    commitment: int, training: int, objection: int
) -> None:
    run = run_of(
        spc(
            {
                "procedure.administrative.listed_share": 1.0,
                "procedure.administrative.pay_share_per_year": 12.0,  # pays in the first month
                "procedure.restoration.take_up_share": 1.0,
                "procedure.restoration.commitment_days": commitment,
                "procedure.restoration.training_days": training,
                "procedure.restoration.objection_days": objection,
            }
        )
    )
    run.step(MonthEvents.build(0, {"tax_arrears": [0]}, day=0))
    quiet(run, range(1, 6))
    paid = int(run.procedure.paid_day[0])
    assert 0 <= paid < month_start_day(1)
    steps = commitment + training + objection
    assert run.procedure.restored_day[0] == paid + steps
    assert run.listed_on(paid + steps - 1)[0], "still listed on the last day of the last step"
    assert not run.listed_on(paid + steps)[0], "delisted when the last step ends"
    assert run.counters.restored == 1


def test_paying_without_restoration_keeps_an_administrative_listing_its_full_term() -> None:
    run = run_of(
        spc(
            {
                "procedure.administrative.listed_share": 1.0,
                "procedure.administrative.pay_share_per_year": 12.0,
                "procedure.restoration.take_up_share": 0.0,
            }
        )
    )
    run.step(MonthEvents.build(0, {"tax_arrears": [0]}, day=0))
    quiet(run, range(1, 30))
    assert run.procedure.paid_day[0] >= 0
    assert run.listed_on(729)[0] and not run.listed_on(730)[0]
    assert not run.extended[0], "a paid listing is not extended"


def test_a_lifting_delay_keeps_exactly_the_configured_domain_restricted_for_that_time() -> None:
    delays = {f"procedure.lift_delay_days.{d}": 0 for d in DOMAINS if d != "jobs"}
    delays["procedure.lift_delay_days.jobs"] = 45
    run = run_of(spc(delays), months=12)
    run.step(MonthEvents.build(0, {"judgment_unperformed": [0]}, day=0))
    masks = [int(run.applications.mask_all[0])]
    performed = month_start_day(3) + 2
    for m in range(1, 12):
        run.step(MonthEvents.build(m, performed={0: performed} if m == 3 else None))
        masks.append(int(run.applications.mask_all[0]))
    end = performed + run.listing.lift_days
    assert int(run.end[0]) == end
    jobs = DOMAIN_BIT["jobs"]
    assert run.restricted_on(end - 1)[0] == run.listed_mask
    assert run.restricted_on(end)[0] == jobs  # off the list; only the jobs agency still restricts
    assert run.restricted_on(end + 44)[0] == jobs
    assert run.restricted_on(end + 45)[0] == 0
    for m, mask in enumerate(masks):
        d0, d1 = month_start_day(m), month_start_day(m + 1)
        if d0 < end:
            assert mask == run.listed_mask, m
        elif d0 < end + 45:
            assert mask == jobs, m
        else:
            assert mask == 0, m
        assert d1 > d0
    assert run.tracker.days[0] == end + 45


def test_the_2019_rule_stops_listing_minor_violations_from_its_date() -> None:
    # The window starts in 2018, so 2019 begins in month 12; no court entry counts as serious.
    doc = spc(
        {
            "calendar.first_year": 2018,
            "procedure.serious_share.court": 0.0,
            "procedure.ability.checked_share": 0.0,
        }
    )
    run = run_of(doc, people=3, months=24)
    for m in range(24):
        entries = {0: "judgment_unperformed"} if m == 11 else {}
        if m == 12:
            entries = {1: "judgment_unperformed"}
        run.step(MonthEvents.build(m, {e: [p] for p, e in entries.items()}))
    assert run.start[0] >= 0, "listed in December 2018, before the rule"
    assert run.start[1] < 0, "not listed in January 2019: a minor violation"
    assert run.counters.refused_minor == 1


def test_after_the_2019_rule_serious_violations_are_still_listed() -> None:
    doc = spc({"calendar.first_year": 2018, "procedure.serious_share.court": 1.0})
    run = run_of(doc, people=3, months=24)
    quiet(run, range(12))
    run.step(MonthEvents.build(12, {"judgment_unperformed": [1]}))
    assert run.start[1] >= 0 and run.counters.refused_minor == 0


def test_the_procedure_runs_in_a_comparison_and_lists_through_both_routes() -> None:
    comp = compare(resolve_regimes(["spc-blacklist"]), PEOPLE * 5, 2, 4, None, None, BURN_IN)
    (spc_metrics,) = comp.regimes
    assert spc_metrics.share_sanctioned > 0
    assert spc_metrics.domain_shares["honours"] > 0  # a heading past the old eight bits
    assert set(spc_metrics.procedure_per_1000) == {"refused_unable", "refused_minor", "restored"}
    assert all(v >= 0 for v in spc_metrics.procedure_per_1000.values())


def test_a_bad_procedure_names_the_field_and_the_reason() -> None:
    doc = spc({"procedure.restoration.training_days": -3})
    doc["procedure"]["administrative"]["events"] = ["tax_arrears", "fare_dodging"]
    doc["procedure"]["ability"]["checked"] = 1
    with pytest.raises(RegimeInvalid) as caught:
        parse_regime(doc, "spc.toml")
    problems = caught.value.problems
    assert ("procedure.restoration.training_days", "must be from 0 to 3650, got -3") in problems
    assert ("procedure.administrative.events", "unknown event 'fare_dodging'") in problems
    assert ("procedure.ability.checked", "unknown field") in problems


def test_only_a_list_regime_has_a_listing_procedure() -> None:
    doc = raw("rongcheng")
    doc["procedure"] = raw("spc-blacklist")["procedure"]
    with pytest.raises(RegimeInvalid) as caught:
        parse_regime(doc, "rongcheng.toml")
    assert ("procedure", "only a list regime has a listing procedure") in caught.value.problems


def test_the_mechanisms_table_lists_the_procedure_changes_merits_and_plaques() -> None:
    for name, roots in [
        ("spc-blacklist", {"procedure", "calendar", "changes"}),
        ("rongcheng", {"merits", "plaques", "calendar", "changes"}),
    ]:
        regime = load_regime(name)
        listed = {re.sub(r"</?code>", "", row[1]) for row in mechanism_rows(regime)}
        expected = {p for p in regime.require_lab().provenance if p.split(".")[0] in roots}
        assert expected and expected <= listed, name
    spc = {re.sub(r"</?code>", "", r[1]): r for r in mechanism_rows(load_regime("spc-blacklist"))}
    row = spc["procedure.restoration.objection_days"]
    assert row[2] == "30" and "procedure.md#spc-procedure" in row[3]
    assert "assumed:" in spc["procedure.restoration.training_days"][3]


def test_the_2019_rule_counts_as_refused_only_entries_that_would_have_been_listed() -> None:
    # No administrative record reaches the list at all, so none is refused as minor either.
    doc = spc(
        {
            "calendar.first_year": 2018,
            "procedure.serious_share.administrative": 0.0,
            "procedure.administrative.listed_share": 0.0,
        }
    )
    run = run_of(doc, people=3, months=24)
    quiet(run, range(12))
    run.step(MonthEvents.build(12, {"tax_arrears": [0, 1]}))
    assert not (run.start >= 0).any()
    assert run.counters.refused_minor == 0
