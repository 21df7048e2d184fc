"""Is a dispute frivolous or irrelevant (§611(a)(3))? The bureau's one screening rule, pure.

Why so narrow: refusing to investigate takes a right away, so the bureau refuses only what the
law names plainly: a dispute that repeats one already investigated, with no new information.
Everything else is forwarded. The subject is told why, and what would make us investigate.
"""

from __future__ import annotations

from dataclasses import dataclass

from disputes.repo import DisputeRow

# Outcomes after which the same complaint, with nothing new, has already been answered.
_ALREADY_ANSWERED = frozenset({"verified", "frivolous"})


@dataclass(frozen=True)
class Finding:
    reason: str
    needed: str


def screen(
    earlier: DisputeRow | None, reason_code: str, field: str | None, brings_new_information: bool
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
