"""Each bundled regime's documented rules hold in the simulation (bundled-regimes.md)."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.engine import LinearRun, ListRun
from bureau.policy.population import MonthEvents, draw_population, month_start_day
from bureau.policy.reform import with_assumption
from bureau.policy.regime import Regime, load_regime, parse_regime


def raw(name: str) -> dict[str, Any]:
    text = (resources.files("bureau.policy") / "regimes" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def quiet(run: LinearRun | ListRun, months: range) -> None:
    """Months in which nothing happens to anyone."""
    for m in months:
        run.step(MonthEvents.build(m))


def band_names(run: LinearRun, standing: np.ndarray) -> list[str]:
    return [run.bands.names[i] for i in run.band_of(standing.astype(np.float32))]


def test_rongcheng_losing_one_point_from_1000_means_grade_b() -> None:
    run = LinearRun(load_regime("rongcheng"), draw_population(2, seed=1), months=12, seed=1)
    assert band_names(run, np.array([1001, 1000, 999])) == ["A+", "A", "B"]
    b = run.lab.bands[run.bands.names.index("B")]
    assert "credit" in b.domains and "housing" in b.domains  # a B means a mortgage refusal


def test_rongcheng_littering_once_drops_a_resident_to_b_and_refuses_a_mortgage() -> None:
    run = LinearRun(load_regime("rongcheng"), draw_population(2, seed=1), months=12, seed=1)
    run.step(MonthEvents.build(0, {"littering": [0]}))
    assert run.standing().tolist() == [997.0, 1000.0]
    assert run.tracker.domains[0] & DOMAIN_BIT["credit"]
    assert run.tracker.domains[1] == 0


def rongcheng_reporting_every_merit() -> Regime:
    """Rongcheng with every good deed reported with proof (merits.py makes that a share)."""
    doc = with_assumption(raw("rongcheng"), "merits.report_share", 1.0, "a what-if of this test")
    return parse_regime(doc, "rongcheng.toml")


def test_rongcheng_petitioning_means_automatic_grade_b_despite_merits() -> None:
    run = LinearRun(rongcheng_reporting_every_merit(), draw_population(1, seed=1), 12, seed=1)
    run.step(MonthEvents.build(0, {"petition": [0], "returned_lost_money": [0]}))
    assert run.standing()[0] == 1003.0
    assert run.tracker.series_sanctioned[-1] == 1.0


def test_rongcheng_additions_are_capped_at_10_points_a_year() -> None:
    run = LinearRun(rongcheng_reporting_every_merit(), draw_population(1, seed=1), 24, seed=1)
    for m in range(12):
        run.step(MonthEvents.build(m, {"returned_lost_money": [0]}))
    assert run.standing()[0] == 1010.0


def test_suining_points_recover_after_the_configured_years() -> None:
    regime = load_regime("suining")
    years = regime.require_lab().scoring.recovery_years["drunk_driving"]
    months = round(12 * years)
    run = LinearRun(regime, draw_population(2, seed=1), months=months + 2, seed=1)
    run.step(MonthEvents.build(0, {"drunk_driving": [0]}))
    assert run.standing()[0] == 950.0
    quiet(run, range(1, months))
    assert run.standing()[0] == 950.0, "still deducted the month before recovery"
    quiet(run, range(months, months + 1))
    assert run.standing()[0] == 1000.0
    assert run.tracker.days[0] == month_start_day(months)


def test_suining_what_if_shorter_recovery_from_a_reform_file(tmp_path: Path) -> None:
    reform = tmp_path / "suining-2y.toml"
    reform.write_text(
        '[reform]\nid = "suining-2y"\nname = "Suining, 2-year recovery"\nbase = "suining"\n'
        "[scoring.recovery_years]\ndrunk_driving = 2\n[provenance]\n"
        '"scoring.recovery_years.drunk_driving" = { status = "assumed", value = 2, '
        'unit = "years", range = [1, 5], note = "what if a deduction were forgiven sooner" }\n',
        encoding="utf-8",
    )
    regime = load_regime(reform)
    assert regime.id == "suining-2y"
    run = LinearRun(regime, draw_population(1, seed=1), months=30, seed=1)
    run.step(MonthEvents.build(0, {"drunk_driving": [0]}))
    quiet(run, range(1, 24))
    assert run.standing()[0] == 950.0
    quiet(run, range(24, 25))
    assert run.standing()[0] == 1000.0


def spc_without_warnings_or_extensions() -> ListRun:
    """The bundled list, with the random prior warning and extension switched off."""
    doc = copy.deepcopy(raw("spc-blacklist"))
    doc = with_assumption(doc, "notice.before_adverse", False, "a what-if of this test")
    doc = with_assumption(doc, "listing.extension_share", 0.0, "a what-if of this test")
    regime = parse_regime(doc, "spc-blacklist.toml")
    pop = draw_population(3, seed=1)
    pop.income[:] = 0.0  # everyone able to perform (procedure.py's ability test)
    return ListRun(regime, pop, months=36, seed=1)


def slowest_lift(run: ListRun) -> int:
    """Days the slowest restricting agency takes to lift after the listing ends."""
    procedure = run.lab.procedure
    return max((procedure.lift_delay_days or {}).values(), default=0) if procedure else 0


def test_spc_listing_lasts_two_years_unless_performed() -> None:
    run = spc_without_warnings_or_extensions()
    listing = run.lab.listing
    assert listing is not None and listing.years == 2
    day = 10
    run.step(MonthEvents.build(0, {"judgment_unperformed": [0]}, day=day))
    assert run.listed_on(day)[0]
    quiet(run, range(1, 36))
    assert run.listed_on(day + 729)[0]
    assert not run.listed_on(day + 730)[0]
    assert run.tracker.days[0] == 730 + slowest_lift(run)  # then each agency lifts its own
    assert not run.tracker.ever[2]


def test_spc_listing_is_lifted_within_three_days_of_performance() -> None:
    run = spc_without_warnings_or_extensions()
    run.step(MonthEvents.build(0, {"judgment_unperformed": [1]}, day=5))
    quiet(run, range(1, 3))
    paid = month_start_day(3) + 4
    run.step(MonthEvents.build(3, performed={1: paid}))
    quiet(run, range(4, 36))
    assert run.listed_on(paid)[1]
    assert not run.listed_on(paid + 3)[1]
    assert run.tracker.days[1] == paid + 3 - 5 + slowest_lift(run)


def test_spc_wrong_listing_is_wrongful_and_cannot_be_lifted_by_paying() -> None:
    run = spc_without_warnings_or_extensions()
    run.step(MonthEvents.build(0, errors={"judgment_unperformed": [0]}, day=0))
    run.step(MonthEvents.build(1, performed={0: month_start_day(1)}))
    assert run.listed_on(month_start_day(1) + 10)[0]
    assert run.tracker.wrong_ever[0]


def test_fcra_false_item_is_corrected_by_a_dispute_and_the_sanction_ends() -> None:
    doc = copy.deepcopy(raw("fcra-us"))
    # files within the year, almost surely
    doc = with_assumption(doc, "dispute.file_share_per_year", 1.0, "a what-if of this test")
    doc = with_assumption(doc, "dispute.success_share", 1.0, "a what-if of this test")
    regime = parse_regime(doc, "fcra-us.toml")
    pop = draw_population(1, seed=1)
    pop.history[:] = 0
    run = LinearRun(regime, pop, months=60, seed=4)
    run.step(MonthEvents.build(0, errors={"default": [0]}))
    assert run.tracker.wrong_ever[0]
    quiet(run, range(1, 60))
    assert run.standing()[0] == 720.0
    assert run.tracker.wrong_until[0] > 0
    assert run.counters.disputes_upheld == 1


def test_fcra_adverse_item_stops_counting_after_seven_years() -> None:
    """FCRA §605(a): the late payment drops off the file, and out of the score, at 7 years."""
    regime = load_regime("fcra-us")
    years = regime.require_lab().retention_years["tradeline"]
    months = round(12 * years)
    pop = draw_population(1, seed=1)
    pop.history[:] = 0
    run = LinearRun(regime, pop, months=months + 1, seed=1)
    run.step(MonthEvents.build(0, {"late_payment": [0]}))
    quiet(run, range(1, months))
    assert run.standing()[0] == 720 - 45
    assert run.held.counts["tradeline"][0] == 1
    quiet(run, range(months, months + 1))
    assert run.standing()[0] == 720
    assert run.held.counts["tradeline"][0] == 0


def test_spc_prior_warning_delays_listing_by_the_notice_period() -> None:
    doc = copy.deepcopy(raw("spc-blacklist"))
    doc = with_assumption(doc, "notice.compliance", 1.0, "a what-if of this test")
    doc = with_assumption(doc, "listing.extension_share", 0.0, "a what-if of this test")
    regime = parse_regime(doc, "spc-blacklist.toml")
    pop = draw_population(400, seed=1)
    pop.income[:] = 0.0  # everyone able to perform (procedure.py's ability test)
    run = ListRun(regime, pop, months=2, seed=1)
    run.step(MonthEvents.build(0, {"judgment_unperformed": list(range(400))}, day=0))
    notice = regime.require_lab().listing
    assert notice is not None
    listed = run.start >= 0
    assert run.counters.notices == 400
    # Some warned people perform in the warning period and are never listed.
    share = pop.params.perform_after_warning_share
    assert abs((~listed).mean() - share) < 0.08
    assert (run.start[listed] == notice.notice_days).all()


def test_a_dispute_is_decided_resolve_days_after_it_is_filed() -> None:
    doc = copy.deepcopy(raw("fcra-consent"))
    doc = with_assumption(doc, "dispute.resolve_days", 15, "a what-if of this test")
    doc = with_assumption(doc, "dispute.file_share_per_year", 1.0, "a what-if of this test")
    # with a notice: certain to file this month
    doc = with_assumption(doc, "notice.dispute_boost", 12, "a what-if of this test")
    lab = parse_regime(doc, "what-if.toml").require_lab()
    from bureau.policy.engine import DisputeDesk
    from bureau.policy.tracking import Counters

    desk = DisputeDesk(lab, 50, np.random.default_rng(1), Counters())
    ev = MonthEvents.build(0)
    desk.file(np.arange(50), ev, notified_until=np.full(50, 12, np.int16))
    assert desk.counters.disputes_filed == 50
    assert ((desk.due_day >= 15) & (desk.due_day < ev.end_day + 15)).all()
    early, _ = desk.decided(ev.end_day)
    late, days = desk.decided(ev.end_day + 15)
    assert len(early) + len(late) == 50
    assert (days >= ev.end_day).all()
    assert desk.idle().all()


def test_sesame_is_opaque_and_below_650_withholds_the_perks() -> None:
    """Sesame: algorithm confidential (seed 003); above ~650 deposits waived (seed 004)."""
    regime = load_regime("sesame")
    lab = regime.require_lab()
    assert not lab.reproducible
    run = LinearRun(regime, draw_population(1, seed=1), months=1, seed=1)
    assert band_names(run, np.array([650, 649])) == ["perks", "no perks"]
    # The perks are rewards of the upper band; below it nothing is restricted (seed 004).
    assert lab.mechanisms.rewards["perks"] == {"credit", "housing", "travel"}
    assert lab.bands[1].domains == frozenset()


def test_an_opted_out_person_is_not_scored_by_sesame() -> None:
    """Sesame is opt-in (seed 004): who never joined is neither restricted nor rewarded."""
    doc = with_assumption(raw("sesame"), "participation.take_up", 0.5, "a what-if of this test")
    pop = draw_population(400, seed=2)
    run = LinearRun(parse_regime(doc, "sesame.toml"), pop, months=2, seed=1)
    out = ~run.reach.enrolled
    assert 0 < out.sum() < 400
    run.step(MonthEvents.build(0, {"default": list(range(400))}))
    run.step(MonthEvents.build(1))
    assert not run.rewards.ever[out].any()
    perks = run.band_of(run.standing()) == 0
    assert perks[~out].any() and run.rewards.ever[~out & perks].all()
    assert (run.tracker.domains[out] == 0).all()
    assert (run.applications.mask_all[out] == 0).all()


def test_fairfile_alone_among_scores_lets_the_subject_recompute_it() -> None:
    reproducible = {
        name
        for name in ["fcra-consent", "fcra-us", "pboc-crc", "sesame", "rongcheng", "suining"]
        if load_regime(name).require_lab().reproducible
    }
    assert reproducible == {"fcra-consent"}
