"""Consent as a mechanism: grants, refusals, freezes and decisions made without a report."""

from __future__ import annotations

import dataclasses

from bureau.policy.lab import compare, compare_replicates, resolve_regimes
from bureau.policy.population import load_population_params


def test_with_equal_dispute_rates_consent_still_differs_from_fcra_us_beyond_the_interval() -> None:
    """docs/policy.md, 'Consent as a mechanism': with the same people disputing at the same
    rate, consent decides more applications without a report (its cost) and declines fewer on a
    false record (the subject sees each access and can refuse), beyond the replicate noise."""
    regimes = resolve_regimes(["fcra-consent", "fcra-us"])
    rates = {r.id: r.require_lab().dispute.file_share_per_year for r in regimes}
    assert rates["fcra-consent"] == rates["fcra-us"]
    comp = compare_replicates(regimes, 20_000, 3, 1, 5)
    consent, us = comp.estimates["fcra-consent"], comp.estimates["fcra-us"]

    def beyond(name: str) -> tuple[float, float, float, float]:
        c, u = consent[name], us[name]
        assert None not in (c.low, c.high, u.low, u.high)
        return c.low, c.high, u.low, u.high  # type: ignore[return-value]

    c_lo, _, _, u_hi = beyond("share_decided_without_report")
    assert c_lo > u_hi
    _, c_hi, u_lo, _ = beyond("share_wrongly_declined")
    assert c_hi < u_lo
    assert (consent["errors_noticed_per_1000"].low or 0) > 0
    assert us["errors_noticed_per_1000"].mean == 0


def test_an_unanswered_grant_means_no_report_and_no_inquiry_on_the_file() -> None:
    base = load_population_params()
    params = dataclasses.replace(
        base, behaviour=dataclasses.replace(base.behaviour, grant_abandon_share=1.0)
    )
    regimes = resolve_regimes(["fcra-consent", "fcra-us"])
    got = {m.regime: m for m in compare(regimes, 5000, 2, 3, params, burn_in_years=2).regimes}
    assert got["fcra-consent"].share_decided_without_report == 1.0
    assert got["fcra-us"].share_decided_without_report is not None
    assert got["fcra-us"].share_decided_without_report < 0.05  # only frozen files
    # No access, no inquiry held: consent's files are thinner than fcra-us's by the inquiries.
    assert got["fcra-consent"].data_points_per_person < got["fcra-us"].data_points_per_person


def test_a_lender_without_a_report_declines_at_the_stated_share() -> None:
    base = load_population_params()
    for share in (0.3, 0.9):
        params = dataclasses.replace(
            base,
            behaviour=dataclasses.replace(
                base.behaviour, grant_abandon_share=1.0, no_report_decline_share=share
            ),
        )
        m = compare(resolve_regimes(["fcra-consent"]), 5000, 2, 4, params, burn_in_years=1)
        declined = m.regimes[0].share_applications_declined
        assert declined is not None and abs(declined - share) < 0.02


def test_a_freeze_is_only_a_cost_where_the_regime_grants_the_right() -> None:
    base = load_population_params()
    params = dataclasses.replace(
        base,
        behaviour=dataclasses.replace(base.behaviour, freeze_share=1.0, freeze_abandon_share=1.0),
    )
    got = compare(resolve_regimes(["fcra-us", "pboc-crc"]), 3000, 1, 2, params, burn_in_years=0)
    share = {m.regime: m.share_decided_without_report for m in got.regimes}
    assert share["fcra-us"] == 1.0
    assert share["pboc-crc"] == 0.0
