"""A credit file in plain words: Metro 2 codes translated, money and dates written out.

Pure functions over the domain dataclasses (no HTTP, no SQL), so the page and its tests agree
on what a person reads. Meanings come from the Metro 2 code tables; a code missing from them is
shown as "code XX" rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bureau.furnishing.metro2 import codes
from bureau.model import Bankruptcy, Inquiry, Tradeline
from bureau.policy.regime import live_rules

# Compliance conditions that mean "the consumer disputes this" (open or concluded).
DISPUTE_CONDITIONS = frozenset({"XB", "XC", "XD", "XE", "XF", "XG", "XH", "XJ"})
_NEGATIVE_HISTORY = frozenset("123456GHJKL")
_SHORT = {
    "0": "OK",
    "E": "OK",
    "B": "-",
    "D": "?",
    "G": "C",
    "H": "F",
    "J": "V",
    "K": "R",
    "L": "CO",
}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def words(table: str, code: str | None, *, blank: str = "none reported") -> str:
    if code is None or not code.strip():
        return blank
    return codes.meaning(table, code) or f"code {code}"


def money(amount: int | None) -> str:
    return "not reported" if amount is None else f"${amount:,}"


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return "not reported"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def when(value: datetime) -> str:
    """Date and time (UTC) of an event, as the access log shows it."""
    return f"{long_date(value)}, {value:%H:%M} UTC"


def month_year(value: date) -> str:
    return f"{_MONTHS[value.month - 1]} {value.year}"


def _months_before(anchor: date, months: int) -> date:
    total = anchor.year * 12 + anchor.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True)
class HistoryMonth:
    month: str
    code: str
    short: str
    meaning: str
    tone: str  # good | late | none


def history_strip(t: Tradeline) -> list[HistoryMonth]:
    """The 24-month payment history, oldest month first, as cells a person can read.

    Position 1 of the Metro 2 profile is the month before the Date of Account Information.
    """
    cells = []
    for index, code in enumerate(t.payment_history):
        month = _months_before(t.date_account_information, index + 1)
        tone = "late" if code in _NEGATIVE_HISTORY else ("none" if code in "BD" else "good")
        cells.append(
            HistoryMonth(
                month=month_year(month),
                code=code,
                short=_SHORT.get(code, code),
                meaning=words("payment_history", code),
                tone=tone,
            )
        )
    return list(reversed(cells))


@dataclass(frozen=True)
class AccountView:
    tradeline_id: str
    heading: str
    furnisher: str
    account_number: str
    facts: list[tuple[str, str]]
    history: list[HistoryMonth]
    late_months: int
    disputed: bool
    negative: bool


def account_view(t: Tradeline) -> AccountView:
    kind = words("account_type", t.account_type)
    facts: list[tuple[str, str]] = [
        ("Kind of account", f"{kind} ({words('portfolio_type', t.portfolio_type).lower()})"),
        ("Status", words("account_status", t.account_status)),
        ("Your responsibility", words("ecoa", t.ecoa_code)),
        ("Opened", long_date(t.date_opened)),
    ]
    if t.date_closed:
        facts.append(("Closed", long_date(t.date_closed)))
    facts.append(("Balance", money(t.current_balance)))
    if t.credit_limit is not None:
        facts.append(("Credit limit", money(t.credit_limit)))
    if t.highest_credit is not None:
        facts.append(("Highest credit or original amount", money(t.highest_credit)))
    if t.amount_past_due:
        facts.append(("Past due", money(t.amount_past_due)))
    if t.original_charge_off:
        facts.append(("Charged off", money(t.original_charge_off)))
    if t.scheduled_payment:
        facts.append(("Monthly payment", money(t.scheduled_payment)))
    facts.append(("Last payment", long_date(t.date_last_payment)))
    if t.date_first_delinquency:
        facts.append(
            (
                f"First missed payment (starts the {live_rules().retention.negative_item_years}"
                "-year clock)",
                long_date(t.date_first_delinquency),
            )
        )
    if t.original_creditor:
        facts.append(("Original creditor", t.original_creditor))
    if t.special_comment:
        facts.append(("Comment from the lender", words("special_comment", t.special_comment)))
    if t.compliance_condition:
        facts.append(("Dispute status", words("compliance_condition", t.compliance_condition)))
    facts.append(("Reported as of", long_date(t.date_account_information)))
    history = history_strip(t)
    late = sum(1 for cell in history if cell.tone == "late")
    negative = late > 0 or t.account_status not in {"11", "13"} or t.is_collection
    return AccountView(
        tradeline_id=str(t.tradeline_id),
        heading=f"{kind} from {t.furnisher_name}",
        furnisher=t.furnisher_name,
        account_number=t.account_number_masked,
        facts=facts,
        history=history,
        late_months=late,
        disputed=(t.compliance_condition or "") in DISPUTE_CONDITIONS,
        negative=negative,
    )


def bankruptcy_words(b: Bankruptcy) -> str:
    text = f"Chapter {b.chapter} bankruptcy filed {long_date(b.date_filed)} at {b.court}"
    if b.disposition != "filed" and b.date_disposition:
        text += f"; {b.disposition} {long_date(b.date_disposition)}"
    return text


_PURPOSES = {
    "consumer-disclosure": "You looked at your own file",
    "credit-transaction": "A credit application",
    "account-review": "Review of an account you hold",
    "collection": "Collection of a debt",
    "insurance-underwriting": "Insurance underwriting",
    "tenant-screening": "A rental application",
    "employment": "Employment screening",
    "court-order": "A court order",
}


def purpose_words(purpose: str) -> str:
    return _PURPOSES.get(purpose, purpose.replace("-", " ").capitalize())


def inquiry_words(i: Inquiry) -> str:
    who = i.requester_name or ("You" if i.requester_org_id is None else "An organization")
    kind = (
        "hard inquiry (can affect your score)"
        if i.kind == "hard"
        else "soft inquiry (does not affect your score)"
    )
    return f"{who}: {purpose_words(i.purpose).lower()}, {kind}"


_EVENTS = {
    "file.disclosed": "You looked at your file",
    "score.disclosed": "You looked at your score",
    "score.what-if": "You tried a what-if on your score",
    "notice.opened": "You opened a notice",
    "report.released": "A report on you was released to {to}",
    "report.compelled": "A report on you was released under a court order",
    "report.redelivered": "A report on you was sent again to {to}, who had received it",
    "consent.granted": "You let {to} see your file",
    "consent.revoked": "You revoked a consent",
    "consent.allowed": "You allowed {to}'s request to see your file (it starts when they collect it)",
    "consent.declined": "You declined {to}'s request to see your file",
    "freeze.placed": "You froze your file",
    "freeze.lifted": "You lifted the freeze on your file",
    "freeze.thawed": "You thawed your freeze{for_}",
    "freeze.thaw_cancelled": "You cancelled a thaw",
    "fraud_alert.placed": "A fraud alert was placed on your file",
    "fraud_alert.removed": "A fraud alert was removed",
    "notice.adverse-action": "{from_} sent you an adverse-action notice",
    "subject.enrolled": "Your file was opened",
    "file.closed": "Your file was closed: no one can get a report from it",
    "file.reopened": "Your file was reopened",
    "dispute.forwarded": "Your dispute was sent to whoever reported the item",
    "dispute.closed": "Your dispute was closed",
    "dispute.reinserted": "An item was put back on your file",
    "dispute.recipient_notified": "A past recipient of your report was told of a correction",
}


def _org(value: object, names: dict[str, str]) -> str:
    text = str(value) if value is not None else ""
    if text == "subject":
        return "you"
    return names.get(text, "an organization")


def event_words(event: str, entry: dict[str, object], names: dict[str, str]) -> str:
    """One access-log entry as a sentence (organization ids become their names)."""
    template = _EVENTS.get(event)
    if template is None:
        family, _, what = event.partition(".")
        return f"{family.replace('_', ' ').capitalize()}: {what.replace('_', ' ')}"
    thaw_for = entry.get("for")
    return template.format(
        to=_org(entry.get("to"), names),
        from_=_org(entry.get("from"), names).capitalize(),
        for_=f" for {_org(thaw_for, names)}" if thaw_for else "",
    )


_LETTER_CODES = {"status": "account_status", "account_status": "account_status",
                 "account_type": "account_type", "portfolio_type": "portfolio_type",
                 "ecoa_code": "ecoa", "special_comment": "special_comment",
                 "compliance_condition": "compliance_condition"}  # fmt: skip
_MONEY_WORDS = ("balance", "amount", "limit", "credit", "payment", "charge_off")


def letter_value(key: str, value: object) -> str:
    """A value in a letter's item or change table, in words (codes, money, dates)."""
    if value is None or value == "":
        return "none"
    if key in _LETTER_CODES and isinstance(value, str):
        return words(_LETTER_CODES[key], value)
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and any(w in key for w in _MONEY_WORDS)
    ):
        return money(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
