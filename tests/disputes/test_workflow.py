"""The dispute state machine: every allowed move, and every refused one with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disputes.errors import (
    CertificationRequired,
    DeadlineNotReached,
    ReinvestigationPeriodOver,
    TransitionRefused,
)
from disputes.workflow import (
    AnswerCode,
    Answered,
    DeadlinePassed,
    Dispute,
    Event,
    FileCorrected,
    Forwarded,
    FoundFrivolous,
    FrivolousNoticeSent,
    InformationAdded,
    Outcome,
    RecipientsNotified,
    Reinserted,
    ResultsNoticeSent,
    State,
    StatementAdded,
    event_name,
    fold,
    open_dispute,
    step,
)

RECEIVED_AT = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday before Thanksgiving


def at(day_offset: int) -> datetime:
    return RECEIVED_AT + timedelta(days=day_offset)


def forwarded(direct: bool = False) -> Dispute:
    return step(open_dispute(RECEIVED_AT, direct=direct), Forwarded(at(0)))


def closed_with(outcome: Outcome) -> Dispute:
    return replace(forwarded(), state=State.CLOSED, outcome=outcome, completed_on=date(2026, 12, 1))


# The paths ---------------------------------------------------------------------------------


def test_a_new_dispute_is_received_and_due_in_30_calendar_days() -> None:
    d = open_dispute(RECEIVED_AT)
    assert d.state is State.RECEIVED
    assert d.received_on == date(2026, 11, 25)
    assert d.due_on == date(2026, 12, 25)
    assert d.is_open and not d.extended and d.outcome is None


def test_verified_path_runs_to_closed() -> None:
    d = fold(
        open_dispute(RECEIVED_AT),
        [
            Forwarded(at(0)),
            Answered(at(10), AnswerCode.VERIFIED),
            FileCorrected(at(10)),
            ResultsNoticeSent(at(10)),
        ],
    )
    assert d.state is State.CLOSED
    assert d.outcome is Outcome.VERIFIED
    assert d.completed_on == date(2026, 12, 5)
    assert not d.is_open


@pytest.mark.parametrize("code", list(AnswerCode))
def test_each_furnisher_answer_sets_the_outcome(code: AnswerCode) -> None:
    d = step(forwarded(), Answered(at(3), code))
    assert d.state is State.ANSWERED
    assert d.outcome == Outcome(code.value)
    assert step(d, FileCorrected(at(3))).state is State.CORRECTED


def test_frivolous_path_closes_after_the_notice() -> None:
    d = step(open_dispute(RECEIVED_AT), FoundFrivolous(at(1), "same as dispute X", "new facts"))
    assert d.state is State.FRIVOLOUS and d.outcome is Outcome.FRIVOLOUS
    d = step(d, FrivolousNoticeSent(at(1)))
    assert d.state is State.CLOSED and not d.is_open


def test_frivolous_determination_must_give_reason_and_what_is_needed() -> None:
    with pytest.raises(TransitionRefused) as e:
        step(open_dispute(RECEIVED_AT), FoundFrivolous(at(1), "  ", "documents"))
    assert e.value.field == "reason"
    with pytest.raises(TransitionRefused) as e:
        step(open_dispute(RECEIVED_AT), FoundFrivolous(at(1), "repeat", ""))
    assert e.value.field == "needed"


def test_bureau_cannot_find_a_forwarded_bureau_dispute_frivolous() -> None:
    with pytest.raises(TransitionRefused):
        step(forwarded(direct=False), FoundFrivolous(at(2), "r", "n"))


def test_furnisher_may_find_a_forwarded_direct_dispute_frivolous() -> None:
    d = step(forwarded(direct=True), FoundFrivolous(at(2), "r", "n"))
    assert d.state is State.FRIVOLOUS


def test_more_information_within_30_days_extends_the_limit_to_45() -> None:
    d = step(forwarded(), InformationAdded(at(20)))
    assert d.extended
    assert d.due_on == date(2027, 1, 9)
    assert d.state is State.FORWARDED


def test_more_information_extends_only_once() -> None:
    d = step(step(forwarded(), InformationAdded(at(5))), InformationAdded(at(25)))
    assert d.due_on == date(2027, 1, 9)


def test_information_after_the_first_30_days_does_not_extend() -> None:
    d = step(forwarded(), InformationAdded(at(31)))
    assert not d.extended and d.due_on == date(2026, 12, 25)


def test_verification_after_the_deadline_is_refused() -> None:
    with pytest.raises(ReinvestigationPeriodOver):
        step(forwarded(), Answered(at(31), AnswerCode.VERIFIED))
    with pytest.raises(ReinvestigationPeriodOver):
        step(forwarded(), Answered(at(31), AnswerCode.MODIFIED))


@pytest.mark.parametrize("code", [AnswerCode.DELETED, AnswerCode.NOT_THEIRS])
def test_a_late_answer_that_removes_the_item_is_still_accepted(code: AnswerCode) -> None:
    assert step(forwarded(), Answered(at(40), code)).outcome == Outcome(code.value)


def test_verification_on_the_last_day_counts() -> None:
    d = step(forwarded(), Answered(at(30), AnswerCode.VERIFIED))
    assert d.outcome is Outcome.VERIFIED


def test_dispute_not_answered_in_30_days_deletes_item() -> None:
    d = step(forwarded(), DeadlinePassed(date(2026, 12, 28)))
    assert d.state is State.CORRECTED
    assert d.outcome is Outcome.DELETED_UNVERIFIED
    assert d.completed_on == date(2026, 12, 28)
    assert step(d, ResultsNoticeSent(at(33))).state is State.CLOSED


def test_unanswered_dispute_is_not_deleted_before_the_first_business_day_past_due() -> None:
    for day in (date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27)):
        with pytest.raises(DeadlineNotReached):
            step(forwarded(), DeadlinePassed(day))


def test_extended_dispute_is_not_deleted_at_30_days() -> None:
    d = step(forwarded(), InformationAdded(at(2)))
    with pytest.raises(DeadlineNotReached):
        step(d, DeadlinePassed(date(2026, 12, 28)))
    assert step(d, DeadlinePassed(date(2027, 1, 11))).outcome is Outcome.DELETED_UNVERIFIED


def test_a_dispute_never_forwarded_is_still_deleted_at_its_deadline() -> None:
    d = step(open_dispute(RECEIVED_AT), DeadlinePassed(date(2026, 12, 28)))
    assert d.outcome is Outcome.DELETED_UNVERIFIED


def test_reinsertion_needs_the_furnishers_certification() -> None:
    with pytest.raises(CertificationRequired) as e:
        step(closed_with(Outcome.DELETED_UNVERIFIED), Reinserted(at(40), certified=False))
    assert e.value.field == "certified"
    d = step(closed_with(Outcome.DELETED_UNVERIFIED), Reinserted(at(40), certified=True))
    assert d.state is State.REINSERTED


@pytest.mark.parametrize("outcome", [Outcome.VERIFIED, Outcome.MODIFIED, Outcome.FRIVOLOUS])
def test_only_a_deleted_item_can_be_reinserted(outcome: Outcome) -> None:
    with pytest.raises(TransitionRefused):
        step(closed_with(outcome), Reinserted(at(40), certified=True))


def test_statement_is_recorded_without_moving_the_state() -> None:
    d = step(closed_with(Outcome.VERIFIED), StatementAdded(at(35)))
    assert d.has_statement and d.state is State.CLOSED


def test_no_statement_on_a_frivolous_dispute() -> None:
    with pytest.raises(TransitionRefused):
        step(closed_with(Outcome.FRIVOLOUS), StatementAdded(at(35)))


@pytest.mark.parametrize(
    "outcome", [Outcome.MODIFIED, Outcome.DELETED, Outcome.NOT_THEIRS, Outcome.DELETED_UNVERIFIED]
)
def test_past_recipients_can_be_told_of_a_change(outcome: Outcome) -> None:
    assert step(closed_with(outcome), RecipientsNotified(at(35))).recipients_notified


def test_past_recipients_can_be_told_of_a_statement_on_a_verified_item() -> None:
    d = step(closed_with(Outcome.VERIFIED), StatementAdded(at(35)))
    assert step(d, RecipientsNotified(at(36))).recipients_notified


def test_nothing_to_tell_past_recipients_of_a_verified_item_without_statement() -> None:
    with pytest.raises(TransitionRefused):
        step(closed_with(Outcome.VERIFIED), RecipientsNotified(at(35)))


def test_past_recipients_are_told_once() -> None:
    d = step(closed_with(Outcome.DELETED), RecipientsNotified(at(35)))
    with pytest.raises(TransitionRefused):
        step(d, RecipientsNotified(at(36)))


def test_event_names_are_snake_case() -> None:
    assert event_name(Answered(at(0), AnswerCode.VERIFIED)) == "answered"
    assert event_name(FoundFrivolous(at(0), "r", "n")) == "found_frivolous"
    assert event_name(DeadlinePassed(date(2027, 1, 1))) == "deadline_passed"


# Every state x event: allowed exactly where the table says ---------------------------------

ALLOWED: dict[str, set[State]] = {
    "forwarded": {State.RECEIVED},
    "found_frivolous": {State.RECEIVED},
    "frivolous_notice_sent": {State.FRIVOLOUS},
    "information_added": {State.RECEIVED, State.FORWARDED},
    "answered": {State.FORWARDED},
    "file_corrected": {State.ANSWERED},
    "deadline_passed": {State.RECEIVED, State.FORWARDED},
    "results_notice_sent": {State.CORRECTED},
    "statement_added": {State.FORWARDED, State.ANSWERED, State.CORRECTED, State.CLOSED},
    "recipients_notified": {State.CLOSED, State.REINSERTED},
    "reinserted": {State.CLOSED},
}

EVENTS: list[Event] = [
    Forwarded(at(1)),
    FoundFrivolous(at(1), "reason", "needed"),
    FrivolousNoticeSent(at(1)),
    InformationAdded(at(1)),
    Answered(at(1), AnswerCode.DELETED),
    FileCorrected(at(1)),
    DeadlinePassed(date(2027, 3, 1)),
    ResultsNoticeSent(at(1)),
    StatementAdded(at(1)),
    RecipientsNotified(at(1)),
    Reinserted(at(1), certified=True),
]


def in_state(state: State) -> Dispute:
    """A bureau dispute in `state`, with an outcome that lets state-only rules decide."""
    d = open_dispute(RECEIVED_AT)
    outcome = {State.FRIVOLOUS: Outcome.FRIVOLOUS}.get(state)
    if state in (State.ANSWERED, State.CORRECTED, State.CLOSED, State.REINSERTED):
        outcome = Outcome.DELETED
    return replace(d, state=state, outcome=outcome)


def test_the_table_covers_every_event() -> None:
    assert {event_name(e) for e in EVENTS} == set(ALLOWED)


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("event", EVENTS, ids=event_name)
def test_each_event_is_allowed_exactly_in_its_states(state: State, event: Event) -> None:
    d = in_state(state)
    if state in ALLOWED[event_name(event)]:
        step(d, event)
    else:
        with pytest.raises(TransitionRefused) as e:
            step(d, event)
        assert e.value.status == 409
        assert e.value.extra["state"] == state.value


# Properties over event histories -------------------------------------------------------------


@given(st.lists(st.sampled_from(EVENTS), max_size=8))
def test_any_history_either_steps_or_refuses_and_never_shortens_the_limit(
    events: list[Event],
) -> None:
    d = open_dispute(RECEIVED_AT)
    for event in events:
        try:
            after = step(d, event)
        except (
            TransitionRefused,
            DeadlineNotReached,
            ReinvestigationPeriodOver,
            CertificationRequired,
        ):
            continue
        assert after.due_on >= d.due_on
        assert after.due_on in (date(2026, 12, 25), date(2027, 1, 9))
        if d.state is State.CLOSED:
            assert after.state in (State.CLOSED, State.REINSERTED)
        d = after
    if d.state in (State.CLOSED, State.REINSERTED):
        assert d.outcome is not None
