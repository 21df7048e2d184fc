"""What the score may see: the file's admissible, non-obsolete financial items, and nothing else.

The score never receives a CreditFile: it receives a ScoringInput, built here, which has no
identity, no fraud alerts and no freeze flag, only tradelines, bankruptcies and hard inquiries,
each admitted by the regime's category list and not past its reporting period. Obsolescence is
`bureau.obsolescence.reportable`, the same rule every report uses (FCRA §605), so an item a
report may not carry cannot move a score, and nothing about who the person is can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bureau.model import Bankruptcy, CreditFile, Inquiry, Tradeline
from bureau.obsolescence import reportable
from bureau.policy.regime import Retention

DELETED_STATUSES = frozenset({"DA", "DF"})  # Metro 2 delete-account records
DELETED_ECOA = frozenset({"Z"})  # Metro 2 "delete consumer"


@dataclass(frozen=True)
class ScoringInput:
    """The financial facts a score is computed from, as of one date."""

    as_of: date
    tradelines: tuple[Tradeline, ...]
    bankruptcies: tuple[Bankruptcy, ...]
    inquiries: tuple[Inquiry, ...]


def scoring_input(
    file: CreditFile, as_of: date, admissible: frozenset[str], retention: Retention
) -> ScoringInput:
    """The file reduced to what may be scored: admitted categories, not obsolete, not deleted."""
    current = reportable(file, as_of, retention)
    tradelines = tuple(
        t
        for t in current.tradelines
        if ("collection" if t.is_collection else "tradeline") in admissible
        and t.account_status not in DELETED_STATUSES
        and t.ecoa_code not in DELETED_ECOA
        and t.date_opened <= as_of
    )
    bankruptcies = tuple(
        b for b in current.bankruptcies if "bankruptcy" in admissible and b.date_filed <= as_of
    )
    inquiries = tuple(
        i
        for i in current.inquiries
        if "inquiry" in admissible and i.kind == "hard" and i.created_at.date() <= as_of
    )
    return ScoringInput(
        as_of=as_of, tradelines=tradelines, bankruptcies=bankruptcies, inquiries=inquiries
    )
