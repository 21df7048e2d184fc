"""Obsolescence (FCRA §605): old negative items and old bankruptcies never reach a user."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from bureau.model import Bankruptcy, CreditFile, Identity, Tradeline
from bureau.obsolescence import (
    add_years,
    bankruptcy_expires_on,
    reportable,
    tradeline_expires_on,
)
from bureau.policy.regime import Retention, live_rules

RULES = live_rules().retention
SUBJECT = uuid4()


def tradeline(**changes: object) -> Tradeline:
    base = Tradeline(
        subject_id=SUBJECT,
        tradeline_id=uuid4(),
        furnisher_id=uuid4(),
        furnisher_name="Example Card Co",
        account_number="4111000011112222",
        portfolio_type="R",
        account_type="18",
        ecoa_code="1",
        date_opened=date(2012, 3, 1),
        date_closed=None,
        date_last_payment=date(2026, 10, 1),
        date_first_delinquency=None,
        date_account_information=date(2026, 10, 31),
        credit_limit=5000,
        highest_credit=2000,
        terms_duration="REV",
        terms_frequency="M",
        scheduled_payment=50,
        actual_payment=50,
        account_status="11",
        payment_rating=None,
        payment_history="0" * 24,
        special_comment=None,
        compliance_condition=None,
        current_balance=1200,
        amount_past_due=0,
        original_charge_off=0,
        consumer_info_indicator=None,
        original_creditor=None,
        is_collection=False,
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def bankruptcy(filed: date) -> Bankruptcy:
    return Bankruptcy(
        SUBJECT, uuid4(), "7", "D. Del.", "16-10001", filed, "discharged", None, None, None
    )


def credit_file(tradelines: list[Tradeline], bankruptcies: list[Bankruptcy]) -> CreditFile:
    return CreditFile(
        SUBJECT,
        Identity(),
        tradelines,
        bankruptcies,
        [],
        [],
        False,
        datetime(2026, 11, 25, tzinfo=UTC),
    )


def test_the_periods_come_from_the_live_regime() -> None:
    assert (RULES.negative_item_years, RULES.dofd_offset_days, RULES.bankruptcy_years) == (
        7,
        180,
        10,
    )


def test_a_delinquent_account_drops_seven_years_after_dofd_plus_180_days() -> None:
    late = tradeline(date_first_delinquency=date(2018, 1, 10), account_status="84")
    # 2018-01-10 + 180 days = 2018-07-09; + 7 years = 2025-07-09.
    assert tradeline_expires_on(late, RULES) == date(2025, 7, 9)
    assert reportable(credit_file([late], []), date(2025, 7, 8), RULES).tradelines == [late]
    assert reportable(credit_file([late], []), date(2025, 7, 9), RULES).tradelines == []


def test_a_collection_without_a_reported_dofd_runs_from_the_opening_date() -> None:
    collection = tradeline(account_type="48", is_collection=True, date_opened=date(2017, 5, 1))
    assert tradeline_expires_on(collection, RULES) == add_years(date(2017, 10, 28), 7)


def test_a_charge_off_is_negative_even_without_a_dofd() -> None:
    charged_off = tradeline(account_status="97", original_charge_off=900)
    assert tradeline_expires_on(charged_off, RULES) is not None


def test_a_positive_account_never_becomes_obsolete() -> None:
    prime = tradeline(date_opened=date(1990, 1, 1))
    assert tradeline_expires_on(prime, RULES) is None
    assert reportable(credit_file([prime], []), date(2060, 1, 1), RULES).tradelines == [prime]


def test_a_bankruptcy_drops_ten_years_after_the_order_for_relief() -> None:
    old = bankruptcy(date(2016, 11, 24))
    recent = bankruptcy(date(2016, 11, 26))
    kept = reportable(credit_file([], [old, recent]), date(2026, 11, 25), RULES)
    assert kept.bankruptcies == [recent]
    assert bankruptcy_expires_on(recent, RULES) == date(2026, 11, 26)


def test_a_leap_day_anchor_expires_on_the_28th() -> None:
    assert add_years(date(2024, 2, 29), 7) == date(2031, 2, 28)


def test_another_regimes_periods_apply_when_given() -> None:
    shorter = Retention(negative_item_years=5, dofd_offset_days=0, bankruptcy_years=7)
    late = tradeline(date_first_delinquency=date(2020, 6, 1))
    assert tradeline_expires_on(late, shorter) == date(2025, 6, 1)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 1, 1)),
)
def test_no_negative_item_is_reported_on_or_after_its_expiry(dofd: date, on: date) -> None:
    late = tradeline(date_first_delinquency=dofd, date_opened=min(dofd, date(2012, 3, 1)))
    kept = reportable(credit_file([late], []), on, RULES).tradelines
    expires = tradeline_expires_on(late, RULES)
    assert expires is not None
    assert (kept == [late]) == (on < expires)
    assert expires > dofd
