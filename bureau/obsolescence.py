"""Obsolescence: what a report may no longer contain because it is too old (FCRA §605).

Why a pure module: every path that releases a file (report pulls, score inputs, the comparison
lab) must drop the same items on the same day, and the periods are the regime's (`[retention]`
in the regime TOML), not constants here. Inputs are the assembled `CreditFile` and a date; the
output is the file as a user may see it.

Rules (fcra-consent values in brackets):
- a negative tradeline — one that went delinquent (it has a date of first delinquency), a
  collection, or a charge-off — stops being reported `negative_item_years` [7] after its DOFD
  plus `dofd_offset_days` [180] (§605(a)(4), §605(c)). Without a reported DOFD the clock starts
  at the date the account was opened: never later than the true DOFD, so the item can only leave
  earlier, never linger;
- a bankruptcy stops `bankruptcy_years` [10] after the order for relief (its filing date for a
  voluntary case, §605(a)(1));
- positive accounts are not adverse information and stay;
- the §605(b) exceptions (large credit, insurance or salary amounts) are not applied: fairfile
  never reports obsolete items, whatever the amount.
The subject's own disclosure is not filtered: the subject sees everything held about them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bureau.model import Bankruptcy, CreditFile, Tradeline
from bureau.policy.regime import Retention

CHARGE_OFF_STATUSES = frozenset({"64", "97"})
"""Metro 2 account status codes for charged-off accounts (a charge-off is adverse even when the
furnisher left the DOFD blank)."""


def add_years(start: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February (the earlier day)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def is_negative(tradeline: Tradeline) -> bool:
    return (
        tradeline.date_first_delinquency is not None
        or tradeline.is_collection
        or tradeline.account_status in CHARGE_OFF_STATUSES
        or tradeline.original_charge_off > 0
    )


def tradeline_expires_on(tradeline: Tradeline, rules: Retention) -> date | None:
    """The first day the tradeline may no longer be reported; None if it never expires."""
    if not is_negative(tradeline):
        return None
    anchor = tradeline.date_first_delinquency or tradeline.date_opened
    clock_starts = anchor + timedelta(days=rules.dofd_offset_days)
    return add_years(clock_starts, rules.negative_item_years)


def bankruptcy_expires_on(bankruptcy: Bankruptcy, rules: Retention) -> date:
    return add_years(bankruptcy.date_filed, rules.bankruptcy_years)


def reportable(credit_file: CreditFile, on: date, rules: Retention) -> CreditFile:
    """The file with every item past its reporting period removed, as of `on`."""

    def tradeline_current(t: Tradeline) -> bool:
        expires = tradeline_expires_on(t, rules)
        return expires is None or on < expires

    return replace(
        credit_file,
        tradelines=[t for t in credit_file.tradelines if tradeline_current(t)],
        bankruptcies=[b for b in credit_file.bankruptcies if on < bankruptcy_expires_on(b, rules)],
    )
