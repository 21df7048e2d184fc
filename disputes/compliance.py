"""Metro 2 compliance condition codes for a disputed account (reference/metro2.md).

Why the bureau sets them: §623(a)(3) makes the furnisher report an account as disputed, but a
furnisher's next file may come late or without the code; the subject's right is that every
report shows the dispute while it is open, so the bureau marks the account itself and keeps the
furnisher's own code to restore when the dispute ends. Pure.
"""

from __future__ import annotations

_CLOSED_BY_CONSUMER = frozenset({"XA", "XD", "XE"})


def while_open(prior: str | None) -> str:
    """XB: disputed by the consumer; XD when the account was also closed at their request."""
    return "XD" if prior in _CLOSED_BY_CONSUMER else "XB"


def after_close(prior: str | None, *, consumer_disagrees: bool) -> str:
    """XC/XE when the consumer still disagrees (a statement); XH/XA once resolved."""
    if prior in _CLOSED_BY_CONSUMER:
        return "XE" if consumer_disagrees else "XA"
    return "XC" if consumer_disagrees else "XH"
