"""The dispute state machine, pure: (dispute, event) -> dispute, or a domain error.

Why explicit: §611 is a sequence of duties with deadlines, and a dispute that skips a step (a
verification accepted after the deadline, a reinsertion without certification, an answer to a
closed dispute) is a violation of the subject's rights. Writing the transitions down as one
table makes every allowed move visible, and everything else refused with a reason.

    received ──FoundFrivolous──▶ frivolous ──FrivolousNoticeSent──▶ closed
    received ──Forwarded──▶ forwarded ──Answered──▶ answered ──FileCorrected──▶ corrected
    received | forwarded ──DeadlinePassed──▶ corrected            (item deleted as unverified)
    corrected ──ResultsNoticeSent──▶ closed
    closed (item deleted) ──Reinserted(certified)──▶ reinserted

`InformationAdded` (received, forwarded) extends the limit from 30 to 45 calendar days when it
arrives within the first period; `StatementAdded` and `RecipientsNotified` record rights used
without moving the state. A direct dispute (filed with the furnisher, Reg V §1022.43) runs on
the same machine and clock; its furnisher may find it frivolous after forwarding too.

No database and no web framework here: the service loads a `Dispute`, steps it, stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from bureau.policy.regime import DisputeRules
from disputes import deadlines
from disputes.errors import (
    CertificationRequired,
    DeadlineNotReached,
    ReinvestigationPeriodOver,
    TransitionRefused,
)


class State(StrEnum):
    RECEIVED = "received"
    FRIVOLOUS = "frivolous"
    FORWARDED = "forwarded"
    ANSWERED = "answered"
    CORRECTED = "corrected"
    CLOSED = "closed"
    REINSERTED = "reinserted"


class AnswerCode(StrEnum):
    """A furnisher's answer, as on an e-OSCAR ACDV response."""

    VERIFIED = "verified"  # verified as reported
    MODIFIED = "modified"  # corrected fields given with the answer
    DELETED = "deleted"  # the furnisher asks for the item to be deleted
    NOT_THEIRS = "not_theirs"  # not the furnisher's account/subject: off this file


class Outcome(StrEnum):
    """How the dispute ended for the subject's file."""

    VERIFIED = "verified"
    MODIFIED = "modified"
    DELETED = "deleted"
    NOT_THEIRS = "not_theirs"
    DELETED_UNVERIFIED = "deleted_unverified"  # not verified by the deadline (§611(a)(5)(A))
    FRIVOLOUS = "frivolous"


OPEN_STATES = frozenset({State.RECEIVED, State.FORWARDED, State.ANSWERED, State.CORRECTED})
_AWAITING_ANSWER = frozenset({State.RECEIVED, State.FORWARDED})
_MAY_CARRY_STATEMENT = frozenset({State.FORWARDED, State.ANSWERED, State.CORRECTED, State.CLOSED})
#: Outcomes that took the item off the file, so only a certified reinsertion can bring it back.
REMOVING_OUTCOMES = frozenset({Outcome.DELETED, Outcome.NOT_THEIRS, Outcome.DELETED_UNVERIFIED})
#: Outcomes that changed the file: past recipients may be told of them (§611(d)).
CHANGING_OUTCOMES = REMOVING_OUTCOMES | {Outcome.MODIFIED}


@dataclass(frozen=True)
class Dispute:
    """The part of a dispute the rules act on."""

    state: State
    received_on: date
    due_on: date
    direct: bool = False
    extended: bool = False
    outcome: Outcome | None = None
    completed_on: date | None = None
    has_statement: bool = False
    recipients_notified: bool = False

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


# Events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forwarded:
    at: datetime


@dataclass(frozen=True)
class FoundFrivolous:
    at: datetime
    reason: str
    needed: str


@dataclass(frozen=True)
class FrivolousNoticeSent:
    at: datetime


@dataclass(frozen=True)
class InformationAdded:
    at: datetime


@dataclass(frozen=True)
class Answered:
    at: datetime
    code: AnswerCode


@dataclass(frozen=True)
class FileCorrected:
    at: datetime


@dataclass(frozen=True)
class DeadlinePassed:
    on: date


@dataclass(frozen=True)
class ResultsNoticeSent:
    at: datetime


@dataclass(frozen=True)
class StatementAdded:
    at: datetime


@dataclass(frozen=True)
class RecipientsNotified:
    at: datetime


@dataclass(frozen=True)
class Reinserted:
    at: datetime
    certified: bool


Event = (
    Forwarded
    | FoundFrivolous
    | FrivolousNoticeSent
    | InformationAdded
    | Answered
    | FileCorrected
    | DeadlinePassed
    | ResultsNoticeSent
    | StatementAdded
    | RecipientsNotified
    | Reinserted
)


def event_name(event: Event) -> str:
    """The event's stored name in the dispute's history (snake_case of the class)."""
    name = type(event).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


# The machine -------------------------------------------------------------------------------------


def open_dispute(
    received_at: datetime, *, direct: bool = False, rules: DisputeRules | None = None
) -> Dispute:
    """A new dispute on its clock: 30 calendar days from the day of receipt."""
    received_on = deadlines.receipt_date(received_at)
    return Dispute(
        state=State.RECEIVED,
        received_on=received_on,
        due_on=deadlines.resolve_by(received_on, extended=False, rules=rules),
        direct=direct,
    )


def _refuse(dispute: Dispute, event: Event) -> TransitionRefused:
    return TransitionRefused(
        f"{event_name(event)} is not allowed while the dispute is {dispute.state}",
        field="state",
        state=str(dispute.state),
        event=event_name(event),
    )


def _require(dispute: Dispute, event: Event, allowed: frozenset[State]) -> None:
    if dispute.state not in allowed:
        raise _refuse(dispute, event)


def step(dispute: Dispute, event: Event, rules: DisputeRules | None = None) -> Dispute:
    """Apply one event; return the dispute after it, or raise why the event is refused."""
    match event:
        case Forwarded():
            _require(dispute, event, frozenset({State.RECEIVED}))
            return replace(dispute, state=State.FORWARDED)

        case FoundFrivolous():
            # The bureau screens before forwarding; in a direct dispute the furnisher is the
            # investigator and may find it frivolous after receiving it (Reg V §1022.43(f)).
            screening = {State.RECEIVED} | ({State.FORWARDED} if dispute.direct else set())
            _require(dispute, event, frozenset(screening))
            if not event.reason.strip() or not event.needed.strip():
                raise TransitionRefused(
                    "a frivolous determination must state the reason and what is needed",
                    field="reason" if not event.reason.strip() else "needed",
                )
            day = deadlines.receipt_date(event.at)
            return replace(
                dispute, state=State.FRIVOLOUS, outcome=Outcome.FRIVOLOUS, completed_on=day
            )

        case FrivolousNoticeSent():
            _require(dispute, event, frozenset({State.FRIVOLOUS}))
            return replace(dispute, state=State.CLOSED)

        case InformationAdded():
            _require(dispute, event, _AWAITING_ANSWER)
            day = deadlines.receipt_date(event.at)
            if dispute.extended or not deadlines.extension_applies(dispute.received_on, day, rules):
                return dispute
            return replace(
                dispute,
                extended=True,
                due_on=deadlines.resolve_by(dispute.received_on, extended=True, rules=rules),
            )

        case Answered():
            _require(dispute, event, frozenset({State.FORWARDED}))
            day = deadlines.receipt_date(event.at)
            removes = event.code in (AnswerCode.DELETED, AnswerCode.NOT_THEIRS)
            if day > dispute.due_on and not removes:
                raise ReinvestigationPeriodOver(
                    f"the reinvestigation period ended on {dispute.due_on.isoformat()}; an item "
                    "not verified by then is deleted, and can return only with a certification",
                    field="code",
                    due_on=dispute.due_on.isoformat(),
                )
            return replace(
                dispute, state=State.ANSWERED, outcome=Outcome(event.code.value), completed_on=day
            )

        case FileCorrected():
            _require(dispute, event, frozenset({State.ANSWERED}))
            return replace(dispute, state=State.CORRECTED)

        case DeadlinePassed():
            _require(dispute, event, _AWAITING_ANSWER)
            if not deadlines.is_overdue(dispute.due_on, event.on):
                raise DeadlineNotReached(
                    f"the dispute is due on {dispute.due_on.isoformat()}; an unverified item is "
                    f"deleted from {deadlines.deletion_day(dispute.due_on).isoformat()}",
                    field="on",
                )
            return replace(
                dispute,
                state=State.CORRECTED,
                outcome=Outcome.DELETED_UNVERIFIED,
                completed_on=event.on,
            )

        case ResultsNoticeSent():
            _require(dispute, event, frozenset({State.CORRECTED}))
            return replace(dispute, state=State.CLOSED)

        case StatementAdded():
            _require(dispute, event, _MAY_CARRY_STATEMENT)
            if dispute.outcome is Outcome.FRIVOLOUS:
                raise _refuse(dispute, event)
            return replace(dispute, has_statement=True)

        case RecipientsNotified():
            _require(dispute, event, frozenset({State.CLOSED, State.REINSERTED}))
            if dispute.recipients_notified:
                raise TransitionRefused(
                    "past recipients have already been told of this dispute", field="dispute"
                )
            if dispute.outcome not in CHANGING_OUTCOMES and not dispute.has_statement:
                raise TransitionRefused(
                    "the dispute neither changed the file nor carries a statement: there is "
                    "nothing to tell past recipients",
                    field="dispute",
                )
            return replace(dispute, recipients_notified=True)

        case Reinserted():
            _require(dispute, event, frozenset({State.CLOSED}))
            if dispute.outcome not in REMOVING_OUTCOMES:
                raise TransitionRefused(
                    "only an item deleted by a dispute can be reinserted", field="dispute"
                )
            if not event.certified:
                raise CertificationRequired(
                    "a deleted item returns only if the furnisher certifies it complete and "
                    "accurate",
                    field="certified",
                )
            return replace(dispute, state=State.REINSERTED)

    raise TypeError(f"unknown dispute event {event!r}")  # pragma: no cover - exhaustive match


def fold(start: Dispute, events: list[Event], rules: DisputeRules | None = None) -> Dispute:
    """Replay a history: the state a dispute's stored events lead to."""
    dispute = start
    for event in events:
        dispute = step(dispute, event, rules)
    return dispute
