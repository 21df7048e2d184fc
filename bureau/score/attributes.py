"""The scorecard's attributes, each a plain integer computed from the admissible file alone.

Every attribute is a small function over a ScoringInput so that its definition can be read
next to the published table (docs/score.md quotes these definitions). Integer arithmetic only
(percentages are floored), so the same file gives the same value on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from bureau.model import Tradeline
from bureau.score.admissible import ScoringInput

# Payment History Profile characters -> days past due (reference/metro2.md). Derogatory codes
# (collection, foreclosure, surrender, repossession, charge-off) count as 90 days or more.
HISTORY_DAYS_LATE: dict[str, int] = {
    "1": 30, "2": 60, "3": 90, "4": 120, "5": 150, "6": 180,
    "G": 180, "H": 180, "J": 180, "K": 180, "L": 180,
}  # fmt: skip
_LATE_CODES = frozenset(HISTORY_DAYS_LATE)
# The current month's Account Status, which the profile does not yet hold.
STATUS_DAYS_LATE: dict[str, int] = {
    "71": 30, "78": 60, "80": 90, "82": 120, "83": 150, "84": 180,
}  # fmt: skip
CLOSED_STATUSES = frozenset(
    {"05", "13", "61", "62", "63", "64", "65", "88", "89", "93", "94", "95", "96", "97"}
)
LOSS_STATUSES = frozenset({"97", "64", "94", "95", "96", "89"})
# Statuses of a debt placed for collection or written off as a loss that may still be owed
# (the paid versions, 62 and 64, and the paid-in-full 61/63/65, say the debt is settled).
UNPAID_LOSS_STATUSES = frozenset({"93", "97", "89", "94", "95", "96"})
# current_delinquency's levels, worst last: the state of the file today, not its history.
CURRENT, PAST_DUE_30, PAST_DUE_60, PAST_DUE_90, COLLECTION_OR_LOSS = range(5)
LOSS_HISTORY = frozenset("HJKL")
LATE_WINDOW_MONTHS = 24
NEW_CREDIT_MONTHS = 12
INQUIRY_DAYS = 365


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (0 when `later` is earlier)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


def accounts(data: ScoringInput) -> list[Tradeline]:
    """Credit accounts (collections are debts placed with an agency, not accounts held)."""
    return [t for t in data.tradelines if not t.is_collection]


def is_open(t: Tradeline) -> bool:
    return t.date_closed is None and t.account_status not in CLOSED_STATUSES


def late_months(data: ScoringInput) -> list[tuple[int, int]]:
    """(months ago, days late) for every account-month 30+ days late within 24 months."""
    found: list[tuple[int, int]] = []
    for t in accounts(data):
        offset = months_between(t.date_account_information, data.as_of)
        if t.account_status in STATUS_DAYS_LATE and offset <= LATE_WINDOW_MONTHS:
            found.append((offset, STATUS_DAYS_LATE[t.account_status]))
        # Only the months still inside the window, and most histories hold no late month at
        # all: a set test skips them (this runs on every report pull).
        window = t.payment_history[: max(LATE_WINDOW_MONTHS - offset, 0)]
        if _LATE_CODES.isdisjoint(window):
            continue
        for position, code in enumerate(window, start=1):
            if code in HISTORY_DAYS_LATE:
                found.append((offset + position, HISTORY_DAYS_LATE[code]))
    return found


def worst_late_24m(data: ScoringInput) -> int:
    return max((days for _, days in late_months(data)), default=0)


def late_months_24m(data: ScoringInput) -> int:
    return len(late_months(data))


def months_since_late(data: ScoringInput) -> int:
    """Months since the latest late payment; 25 (beyond the window) when there is none."""
    return min((ago for ago, _ in late_months(data)), default=LATE_WINDOW_MONTHS + 1)


def current_delinquency(data: ScoringInput) -> int:
    """The worst state any debt in the file is in today (0 current ... 4 collection/charge-off).

    Why: the 24-month attributes weigh what happened; this one weighs what is happening. A debt
    past due now (status 71-84) or with a collection or charge-off still unpaid is a worse sign
    than a late that has been cured, whatever the history length or utilisation.
    """

    def level(t: Tradeline) -> int:
        if t.current_balance > 0 and (t.is_collection or t.account_status in UNPAID_LOSS_STATUSES):
            return COLLECTION_OR_LOSS
        days = STATUS_DAYS_LATE.get(t.account_status, 0)
        if days >= 90:
            return PAST_DUE_90
        return {60: PAST_DUE_60, 30: PAST_DUE_30}.get(days, CURRENT)

    return max((level(t) for t in data.tradelines), default=CURRENT)


def charge_offs(data: ScoringInput) -> int:
    def lost(t: Tradeline) -> bool:
        return (
            t.account_status in LOSS_STATUSES
            or t.original_charge_off > 0
            or not LOSS_HISTORY.isdisjoint(t.payment_history)
        )

    return sum(1 for t in accounts(data) if lost(t))


def collections(data: ScoringInput) -> int:
    return sum(1 for t in data.tradelines if t.is_collection and t.current_balance > 0)


def months_since_bankruptcy(data: ScoringInput) -> int | None:
    filed = [b.date_filed for b in data.bankruptcies]
    return months_between(max(filed), data.as_of) if filed else None


def _percent(part: int, whole: int) -> int:
    return (100 * part) // whole


def revolving_utilisation(data: ScoringInput) -> int | None:
    cards = [
        t
        for t in accounts(data)
        if t.portfolio_type in {"R", "C"} and is_open(t) and (t.credit_limit or 0) > 0
    ]
    if not cards:
        return None
    return _percent(sum(t.current_balance for t in cards), sum(t.credit_limit or 0 for t in cards))


def installment_balance_pct(data: ScoringInput) -> int | None:
    loans = [
        t
        for t in accounts(data)
        if t.portfolio_type == "I" and is_open(t) and (t.highest_credit or 0) > 0
    ]
    if not loans:
        return None
    return _percent(
        sum(t.current_balance for t in loans), sum(t.highest_credit or 0 for t in loans)
    )


def _ages(data: ScoringInput) -> list[int]:
    return [months_between(t.date_opened, data.as_of) for t in accounts(data)]


def oldest_account_months(data: ScoringInput) -> int:
    return max(_ages(data), default=0)


def average_account_months(data: ScoringInput) -> int:
    ages = _ages(data)
    return sum(ages) // len(ages) if ages else 0


def accounts_opened_12m(data: ScoringInput) -> int:
    return sum(1 for age in _ages(data) if age < NEW_CREDIT_MONTHS)


def hard_inquiries_12m(data: ScoringInput) -> int:
    since = data.as_of - timedelta(days=INQUIRY_DAYS)
    return sum(1 for i in data.inquiries if i.kind == "hard" and i.created_at.date() > since)


def credit_mix(data: ScoringInput) -> int:
    kinds = {"R": "revolving", "C": "revolving", "I": "installment", "M": "mortgage"}
    return len({kinds[t.portfolio_type] for t in accounts(data) if t.portfolio_type in kinds})


# Every attribute any published table uses (a table may use a subset: fairfile-fin-1 predates
# current_delinquency and must still score exactly as it did).
ATTRIBUTES: dict[str, Callable[[ScoringInput], int | None]] = {
    "current_delinquency": current_delinquency,
    "worst_late_24m": worst_late_24m,
    "late_months_24m": late_months_24m,
    "months_since_late": months_since_late,
    "charge_offs": charge_offs,
    "collections": collections,
    "months_since_bankruptcy": months_since_bankruptcy,
    "revolving_utilisation": revolving_utilisation,
    "installment_balance_pct": installment_balance_pct,
    "oldest_account_months": oldest_account_months,
    "average_account_months": average_account_months,
    "accounts_opened_12m": accounts_opened_12m,
    "hard_inquiries_12m": hard_inquiries_12m,
    "credit_mix": credit_mix,
}


def compute(data: ScoringInput) -> dict[str, int | None]:
    return {name: fn(data) for name, fn in ATTRIBUTES.items()}
