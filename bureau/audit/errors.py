"""Errors of the access log a caller can act on (mapped to problem+json by the app)."""

from __future__ import annotations

from bureau.errors import NotFound


class NotCoveredYet(NotFound):
    """The leaf is logged but newer than the newest published head: ask again from
    `covered_from`, when a read is served a head that covers it."""

    type = "not-covered-yet"
    title = "Logged, not yet covered by a signed tree head"
