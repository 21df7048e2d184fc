"""Is a dispute frivolous or irrelevant (§611(a)(3))? The bureau's one screening rule, pure.

Why so narrow: refusing to investigate takes a right away, so the bureau refuses only what the
law names plainly: a dispute that repeats one already investigated, with no new information.
Everything else is forwarded. The subject is told why, and what would make us investigate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

# Outcomes after which the same complaint, with nothing new, has already been answered.
_ALREADY_ANSWERED = frozenset({"verified", "frivolous"})


class EarlierDispute(Protocol):
    """What screening needs of the item's last closed dispute (a stored row satisfies it)."""

    @property
    def dispute_id(self) -> UUID: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def field(self) -> str | None: ...
    @property
    def result(self) -> str | None: ...
    @property
    def completed_on(self) -> date | None: ...


@dataclass(frozen=True)
class Finding:
    reason: str
    needed: str


def screen(
    earlier: EarlierDispute | None,
    reason_code: str,
    field: str | None,
    brings_new_information: bool,
) -> Finding | None:
    """A finding of frivolousness, or None when the dispute must be investigated."""
    if earlier is None or brings_new_information:
        return None
    if earlier.result not in _ALREADY_ANSWERED:
        return None
    if earlier.reason_code != reason_code or earlier.field != field:
        return None
    when = earlier.completed_on.isoformat() if earlier.completed_on else "earlier"
    return Finding(
        reason=(
            f"this repeats dispute {earlier.dispute_id} about the same item and for the same "
            f"reason, which was answered ({earlier.result}) on {when}, and it brings no new "
            "information"
        ),
        needed=(
            "information or documents we have not seen before that support your dispute, such "
            "as a statement, receipt or letter from the furnisher, or a police or identity "
            "theft report"
        ),
    )
