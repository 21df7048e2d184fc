"""The events an organization can subscribe to, and the event-like record the outbox takes.

`WebhookEvent` is deliberately small and typed: when the domain events of the architecture
work land (`bureau.events`), the outbox becomes one of their handlers by mapping each to one of
these, and nothing else here changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

EVENT_TYPES: tuple[str, ...] = (
    "grant.created",
    "grant.revoked",
    "grant.expired",
    "dispute.received",
    "dispute.deadline",
    "report.corrected",
    "notice.created",
)


@dataclass(frozen=True)
class WebhookEvent:
    """One change an organization hears about: its type, whom it concerns, and its data.

    `data` never carries file contents: ids, terms and dates, so a receiver fetches what it is
    entitled to through the API.
    """

    type: str
    org_id: UUID
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown webhook event type {self.type!r}")
