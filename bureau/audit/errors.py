"""Errors of the access log a caller can act on (mapped to problem+json by the app)."""

from __future__ import annotations

from bureau.errors import DomainError, NotFound


class NotCoveredYet(NotFound):
    """The leaf is logged but newer than the newest published head: ask again from
    `covered_from`, when a read is served a head that covers it."""

    type = "not-covered-yet"
    title = "Logged, not yet covered by a signed tree head"


class LogTampered(DomainError):
    """The sequencer found the stored log state disagreeing with what it signed before, and
    refuses to sign over it: `bureau audit verify` names what changed."""

    status = 503
    type = "access-log-tampered"
    title = "The access log's stored state does not match its signed checkpoint"
