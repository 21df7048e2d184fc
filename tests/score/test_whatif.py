"""What-if: the same table applied to a changed copy of the file; bad changes name the field."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bureau.errors import InvalidInput
from bureau.obsolescence import tradeline_expires_on
from bureau.policy.regime import live_rules
from bureau.score.admissible import ScoringInput
from bureau.score.whatif import Close, NewInquiry, OnTime, PayDown, add_months, apply, what_if
from tests.score.files import AS_OF, account, collection, hard_inquiry, inputs, scoring_input


def test_paying_a_maxed_card_down_raises_the_score_and_shows_the_utilisation_move() -> None:
    card = account(limit=5000, balance=4900)
    result = what_if(scoring_input([card]), [PayDown(card.tradeline_id, 400)])
    assert (result.after.score or 0) > (result.before.score or 0)
    moved = {m.attribute: m for m in result.movements if m.change}
    assert set(moved) == {"revolving_utilisation"}
    assert (
        moved["revolving_utilisation"].value_before,
        moved["revolving_utilisation"].value_after,
    ) == (98, 8)
    assert result.as_dict()["change"] == moved["revolving_utilisation"].change


def test_months_on_time_let_a_late_payment_fade() -> None:
    card = account(history="0" * 3 + "1" + "0" * 20, opened_months=60)
    data = scoring_input([card])
    later = apply(data, [OnTime(24)])
    assert later.as_of == add_months(AS_OF, 24)
    result = what_if(data, [OnTime(24)])
    moves = {m.attribute: m for m in result.movements}
    assert moves["worst_late_24m"].value_after == 0
    assert moves["months_since_late"].value_after == 25
    assert (result.after.score or 0) > (result.before.score or 0)


def test_closing_a_card_counts_the_other_balances_against_fewer_limits() -> None:
    used = account(limit=2000, balance=1500)
    spare = account(limit=8000, balance=0)
    result = what_if(scoring_input([used, spare]), [Close(spare.tradeline_id)])
    moves = {m.attribute: m for m in result.movements}
    assert (
        moves["revolving_utilisation"].value_before,
        moves["revolving_utilisation"].value_after,
    ) == (15, 75)
    assert (result.after.score or 0) < (result.before.score or 0)


def test_a_new_application_costs_the_inquiry_points() -> None:
    data = scoring_input([account()], inquiries=[hard_inquiry(30)])
    result = what_if(data, [NewInquiry(2)])
    moves = {m.attribute: m for m in result.movements}
    assert (moves["hard_inquiries_12m"].value_before, moves["hard_inquiries_12m"].value_after) == (
        1,
        3,
    )
    assert result.after.score == (result.before.score or 0) - 16


def test_what_if_changes_nothing_it_was_given() -> None:
    card = account(limit=5000, balance=4900)
    data = scoring_input([card])
    what_if(data, [PayDown(card.tradeline_id, 0), Close(card.tradeline_id)])
    assert data.tradelines[0].current_balance == 4900
    assert data.tradelines[0].date_closed is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (PayDown(account().tradeline_id, 10), "changes[0].tradeline_id"),
        (OnTime(0), "changes[0].months"),
        (NewInquiry(0), "changes[0].count"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field(change: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        what_if(scoring_input([account()]), [change])  # type: ignore[list-item]
    assert raised.value.field == field


def test_paying_down_above_the_balance_is_refused() -> None:
    card = account(balance=100)
    with pytest.raises(InvalidInput) as raised:
        what_if(scoring_input([card]), [PayDown(card.tradeline_id, 500)])
    assert raised.value.field == "changes[0].balance"


@given(inputs(), st.integers(1, 60))
def test_months_of_on_time_payments_never_lower_the_score_while_nothing_ages_off(
    data: ScoringInput, months: int
) -> None:
    # An adverse account that ages off takes its age with it, which can cost length-of-history
    # points; that is the published table at work, so this property holds while none does.
    later = add_months(data.as_of, months)
    rules = live_rules().retention
    assume(
        all(
            (expires := tradeline_expires_on(t, rules)) is None or later < expires
            for t in data.tradelines
        )
    )
    result = what_if(data, [OnTime(months)])
    assert (result.after.score or 0) >= (result.before.score or 0)


def test_waiting_lets_an_old_collection_age_off_the_file() -> None:
    old = collection(dofd=add_months(AS_OF, -80))  # reportable until about 86 months
    data = scoring_input([account(opened_months=120), old])
    result = what_if(data, [OnTime(12)])
    moves = {m.attribute: m for m in result.movements}
    assert (moves["collections"].value_before, moves["collections"].value_after) == (1, 0)
