"""Dispute errors. Each is a bureau DomainError, so the app maps it to problem+json in one place."""

from __future__ import annotations

from bureau.errors import Conflict, Forbidden, InvalidInput, NotFound


class DisputeNotFound(NotFound):
    """Also raised for an item or dispute in someone else's file: never reveal other files."""

    type = "dispute-not-found"
    title = "No such dispute or item in this file"


class DisputeAlreadyOpen(Conflict):
    type = "dispute-already-open"
    title = "An open dispute already covers this item"


class TransitionRefused(Conflict):
    """The event is not allowed in the dispute's current state (e.g. answering a closed one)."""

    type = "dispute-transition-refused"
    title = "Not allowed in the dispute's current state"


class DeadlineNotReached(Conflict):
    type = "dispute-deadline-not-reached"
    title = "The reinvestigation period has not ended"


class ReinvestigationPeriodOver(Conflict):
    """A verification that arrives after the deadline cannot keep the item (§611(a)(5)(A))."""

    type = "dispute-period-over"
    title = "The reinvestigation period is over; the unverified item is deleted"


class CertificationRequired(InvalidInput):
    """A deleted item returns only with the furnisher's certification of accuracy."""

    type = "reinsertion-needs-certification"
    title = "Reinsertion requires the furnisher's certification"


class StatementTooLong(InvalidInput):
    type = "statement-too-long"
    title = "Statement exceeds the word limit"


class NotYourItem(Forbidden):
    """A furnisher acting on a dispute about another furnisher's data."""

    type = "dispute-not-yours"
    title = "This dispute concerns another furnisher's data"
