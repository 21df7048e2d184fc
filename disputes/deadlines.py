"""The dispute clock: business days on the US federal holiday calendar, and calendar-day limits.

Why two kinds of day: FCRA §611 counts its short steps (forward to the furnisher, frivolous
notice, results notice, reinsertion notice) in *business* days, and its reinvestigation limits
(30 days, 45 with more information from the consumer) in *calendar* days. Mixing them up moves a
legal deadline, so each function here says which kind it counts.

"Business day" is Monday to Friday except a US federal legal holiday, observed dates included (the
convention the CFPB uses for Regulation V). The holidays come from the maintained `holidays`
package, never from a list in this file. Every period comes from the regime's `[dispute]` table.

Pure: no database, no web framework; dates in, dates out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bureau import business_days
from bureau.business_days import add_business_days as add_business_days
from bureau.business_days import federal_holidays as federal_holidays
from bureau.business_days import is_business_day as is_business_day
from bureau.policy.regime import DisputeRules, live_rules


def add_calendar_days(start: date, count: int) -> date:
    """`start` plus `count` calendar days; the §611 reinvestigation limits count this way."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    return start + timedelta(days=count)


def receipt_date(at: datetime) -> date:
    """The business date a dispute was received on: its calendar day in the bureau's business
    time zone (FAIRFILE_BUSINESS_TIMEZONE), not the UTC date.

    Why the bureau's zone: a subject who files at 9 p.m. in New York filed that day; the UTC
    date would already be the next one, and every deadline would move a day. Timestamps stay
    UTC; only the day is read at the bureau, by the API and the deadline job alike.
    """
    if at.tzinfo is None:
        raise ValueError("receipt timestamp must be timezone-aware")
    return business_days.business_date(at)


def _rules(rules: DisputeRules | None) -> DisputeRules:
    return rules if rules is not None else live_rules().dispute


def resolve_by(received_on: date, *, extended: bool, rules: DisputeRules | None = None) -> date:
    """Last calendar day of the reinvestigation: 30 days, 45 after more information (§611(a)(1))."""
    r = _rules(rules)
    return add_calendar_days(received_on, r.resolve_days_extended if extended else r.resolve_days)


def extension_applies(
    received_on: date, information_on: date, rules: DisputeRules | None = None
) -> bool:
    """More information extends the limit only when it arrives within the first period.

    §611(a)(1)(B): the extension is for information received "during the 30-day period".
    """
    if information_on < received_on:
        raise ValueError("information cannot arrive before the dispute was received")
    return information_on <= add_calendar_days(received_on, _rules(rules).resolve_days)


def deletion_day(due_on: date, rules: DisputeRules | None = None) -> date:
    """The day an item still unverified leaves the file (the regime's
    `dispute.deletion_business_days_after_due`: the first business day past due in fcra-consent).
    Every report leaves it out from this day; the deadline job then records the deletion."""
    return business_days.deletion_day(due_on, _rules(rules))


def is_overdue(due_on: date, today: date, rules: DisputeRules | None = None) -> bool:
    """Whether an unanswered dispute's item must now be deleted (and not a day before)."""
    return today >= deletion_day(due_on, rules)


def results_notice_by(completed_on: date, rules: DisputeRules | None = None) -> date:
    """Results notice due within N business days of completion (§611(a)(6)(A))."""
    return add_business_days(completed_on, _rules(rules).results_notice_business_days)


def reinsertion_notice_by(reinserted_on: date, rules: DisputeRules | None = None) -> date:
    """Reinsertion notice due within N business days of reinsertion (§611(a)(5)(B)(ii))."""
    return add_business_days(reinserted_on, _rules(rules).reinsertion_notice_business_days)


def frivolous_notice_by(determined_on: date, rules: DisputeRules | None = None) -> date:
    """Notice of a frivolous determination due within N business days (§611(a)(3)(B))."""
    return add_business_days(determined_on, _rules(rules).frivolous_notice_business_days)


def past_recipient_since(
    requested_on: date, *, employment: bool, rules: DisputeRules | None = None
) -> date:
    """Earliest day a past recipient must have received the item to be told (§611(d))."""
    r = _rules(rules)
    days = r.past_recipient_days_employment if employment else r.past_recipient_days
    return requested_on - timedelta(days=days)


@dataclass(frozen=True)
class DisputeClock:
    """Every deadline a dispute starts with, computed once at receipt and stored with it."""

    received_on: date
    forward_by: date
    frivolous_notice_by: date
    resolve_by: date
    resolve_by_extended: date


def clock_for(received_on: date, rules: DisputeRules | None = None) -> DisputeClock:
    """The clock of a dispute received on `received_on` under the regime's rules."""
    r = _rules(rules)
    return DisputeClock(
        received_on=received_on,
        forward_by=add_business_days(received_on, r.forward_business_days),
        frivolous_notice_by=add_business_days(received_on, r.frivolous_notice_business_days),
        resolve_by=resolve_by(received_on, extended=False, rules=r),
        resolve_by_extended=resolve_by(received_on, extended=True, rules=r),
    )
