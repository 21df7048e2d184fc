"""What the score may see: the file's admissible, non-obsolete financial items, and nothing else.

The score never receives a CreditFile: it receives a ScoringInput, built here, which has no
identity, no fraud alerts and no freeze flag, only tradelines, bankruptcies and hard inquiries,
each admitted by the regime's category list and not past its reporting period (FCRA §605). So
an item that may not be reported cannot move a score, and nothing about who the person is can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bureau.model import Bankruptcy, CreditFile, Inquiry, Tradeline
from bureau.policy.regime import Retention

# Metro 2 statuses that make an account an adverse item (reference/metro2.md).
ADVERSE_STATUSES = frozenset(
    {"71", "78", "80", "82", "83", "84", "93", "94", "95", "96", "97", "61", "62", "63", "64"}
    | {"65", "88", "89"}
)
DELETED_STATUSES = frozenset({"DA", "DF"})
DELETED_ECOA = frozenset({"Z"})


@dataclass(frozen=True)
class ScoringInput:
    """The financial facts a score is computed from, as of one date."""

    as_of: date
    tradelines: tuple[Tradeline, ...]
    bankruptcies: tuple[Bankruptcy, ...]
    inquiries: tuple[Inquiry, ...]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def is_adverse(t: Tradeline) -> bool:
    return t.is_collection or t.account_status in ADVERSE_STATUSES


def tradeline_obsolete(t: Tradeline, as_of: date, retention: Retention) -> bool:
    """FCRA §605(a)(4), (c): an adverse account drops off 7 years after DOFD + 180 days."""
    if not is_adverse(t) or t.date_first_delinquency is None:
        return False
    start = t.date_first_delinquency + timedelta(days=retention.dofd_offset_days)
    return add_years(start, retention.negative_item_years) <= as_of


def bankruptcy_obsolete(b: Bankruptcy, as_of: date, retention: Retention) -> bool:
    """FCRA §605(a)(1): a bankruptcy drops off 10 years after the order for relief."""
    return add_years(b.date_filed, retention.bankruptcy_years) <= as_of


def scoring_input(
    file: CreditFile, as_of: date, admissible: frozenset[str], retention: Retention
) -> ScoringInput:
    """The file reduced to what may be scored: admitted categories, not obsolete, not deleted."""
    tradelines = tuple(
        t
        for t in file.tradelines
        if ("collection" if t.is_collection else "tradeline") in admissible
        and t.account_status not in DELETED_STATUSES
        and t.ecoa_code not in DELETED_ECOA
        and t.date_opened <= as_of
        and not tradeline_obsolete(t, as_of, retention)
    )
    bankruptcies = tuple(
        b
        for b in file.bankruptcies
        if "bankruptcy" in admissible
        and b.date_filed <= as_of
        and not bankruptcy_obsolete(b, as_of, retention)
    )
    inquiries = tuple(
        i
        for i in file.inquiries
        if "inquiry" in admissible and i.kind == "hard" and i.created_at.date() <= as_of
    )
    return ScoringInput(
        as_of=as_of, tradelines=tradelines, bankruptcies=bankruptcies, inquiries=inquiries
    )
