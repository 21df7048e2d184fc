"""Fraud alerts and how long each kind lasts (FCRA §605A(a)-(c)); the days are the regime's."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bureau.errors import InvalidInput
from bureau.policy.regime import FraudAlerts


class AlertKind(StrEnum):
    INITIAL = "initial"
    """§605A(a): on a good-faith suspicion of fraud; one year."""
    EXTENDED = "extended"
    """§605A(b): with an identity-theft report; seven years."""
    ACTIVE_DUTY = "active_duty"
    """§605A(c): for service members on active duty; one year."""


def alert_expires_at(kind: str, placed_at: datetime, rules: FraudAlerts) -> datetime:
    days = {
        AlertKind.INITIAL.value: rules.initial_days,
        AlertKind.EXTENDED.value: rules.extended_days,
        AlertKind.ACTIVE_DUTY.value: rules.active_duty_days,
    }.get(kind)
    if days is None:
        raise InvalidInput("kind must be one of initial, extended, active_duty", field="kind")
    return placed_at + timedelta(days=days)
