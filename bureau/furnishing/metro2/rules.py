"""The validation rules, as data: id, what is checked, the fields used, and why it matters.

Structural and field rules are applied by the engine in validate.py for every field of every
layout; consistency rules carry a `check` over one base record's decoded values and return
(field blamed, reason) findings. Every problem the validator reports names its rule id, so a
furnisher can look the rule up and a reviewer can see why the bureau insists on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bureau.furnishing.metro2.codes import COLLECTION_ACCOUNT_TYPES
from bureau.furnishing.metro2.records import Record, Segment, Value, digits

Finding = tuple[Segment | None, str, str]  # (segment blamed, None for the base; field; reason)
Check = Callable[[Record, Mapping[str, Value]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    fields: tuple[str, ...]
    why: str
    check: Check | None = None  # None: applied by the engine (structure, field types, totals)


PAID_STATUSES = frozenset({"13", "61", "62", "63", "64", "65"})
PAST_DUE_STATUSES = frozenset({"71", "78", "80", "82", "83", "84"})
DELINQUENT_STATUSES = PAST_DUE_STATUSES | {"93", "95", "96", "97"}
RATED_STATUSES = frozenset({"05", "13", "65", "88", "89", "94", "95"})
CHARGE_OFF_STATUSES = frozenset({"97", "64"})
# Paid, but still adverse: a paid collection or a paid charge-off ages off from the same date
# of first delinquency as the unpaid one (FCRA §605(c)).
PAID_ADVERSE_STATUSES = frozenset({"62", "64"})


def _d(values: Mapping[str, Value], name: str) -> date | None:
    value = values[name]
    return value if isinstance(value, date) else None


def _n(values: Mapping[str, Value], name: str) -> int | None:
    value = values[name]
    return value if isinstance(value, int) else None


def _s(values: Mapping[str, Value], name: str) -> str:
    value = values[name]
    return value if isinstance(value, str) else ""


def paid_zero_balance(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    status, balance = _s(v, "account_status"), _n(v, "current_balance")
    if status in PAID_STATUSES and balance:
        yield (
            None,
            "current_balance",
            f"status {status} (paid or closed) must report a zero balance",
        )


def current_no_past_due(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    if _s(v, "account_status") == "11" and _n(v, "amount_past_due"):
        yield None, "amount_past_due", "status 11 (current) cannot have an amount past due"


def delinquent_needs_dofd(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    if _d(v, "date_first_delinquency") is not None:
        return
    status = _s(v, "account_status")
    if status in DELINQUENT_STATUSES:
        yield (
            None,
            "date_first_delinquency",
            f"status {status} is delinquent: the date of first delinquency is required",
        )
    elif status in PAID_ADVERSE_STATUSES:
        yield (
            None,
            "date_first_delinquency",
            f"status {status} (paid, but adverse) still needs the date of first delinquency",
        )
    elif _s(v, "account_type") in COLLECTION_ACCOUNT_TYPES:
        yield (
            None,
            "date_first_delinquency",
            "a collection account needs the date of first delinquency of the original debt",
        )


def dofd_not_after_doai(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    dofd, doai = _d(v, "date_first_delinquency"), _d(v, "date_account_information")
    if dofd and doai and dofd > doai:
        yield None, "date_first_delinquency", "is after the date of account information"


def past_due_needs_amount(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    status = _s(v, "account_status")
    if status in PAST_DUE_STATUSES and not _n(v, "amount_past_due"):
        yield (
            None,
            "amount_past_due",
            f"status {status} is past due: amount past due must be above 0",
        )


def payment_rating_when_required(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    status, rating = _s(v, "account_status"), _s(v, "payment_rating")
    if status in RATED_STATUSES and not rating:
        yield None, "payment_rating", f"status {status} requires a payment rating"
    elif rating and status and status not in RATED_STATUSES:
        yield None, "payment_rating", f"must be blank with status {status}"


def charge_off_amount(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    status = _s(v, "account_status")
    if status in CHARGE_OFF_STATUSES and not _n(v, "original_charge_off"):
        yield (
            None,
            "original_charge_off",
            f"status {status} requires the original charge-off amount",
        )


def opened_not_after_doai(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    opened, doai = _d(v, "date_opened"), _d(v, "date_account_information")
    if opened and doai and opened > doai:
        yield None, "date_opened", "is after the date of account information"


def closed_not_before_opened(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    opened, closed = _d(v, "date_opened"), _d(v, "date_closed")
    if opened and closed and closed < opened:
        yield None, "date_closed", "is before the date opened"


def paid_needs_date_closed(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    status = _s(v, "account_status")
    if status in PAID_STATUSES and _d(v, "date_closed") is None:
        yield None, "date_closed", f"status {status} (paid or closed) requires the date closed"


def last_payment_not_after_doai(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    paid, doai = _d(v, "date_last_payment"), _d(v, "date_account_information")
    if paid and doai and paid > doai:
        yield None, "date_last_payment", "is after the date of account information"


def revolving_needs_limit(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    portfolio = _s(v, "portfolio_type")
    if portfolio in ("R", "C") and not _n(v, "credit_limit") and not _n(v, "highest_credit"):
        yield (
            None,
            "credit_limit",
            f"portfolio {portfolio} requires a credit limit (or highest credit for charge cards)",
        )


def installment_needs_months(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    portfolio, terms = _s(v, "portfolio_type"), _s(v, "terms_duration")
    if portfolio in ("I", "M") and not (digits(terms) and int(terms) > 0):
        yield None, "terms_duration", f"portfolio {portfolio} requires the term in months"


def collection_is_open_portfolio(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    kind = _s(v, "account_type")
    if kind in COLLECTION_ACCOUNT_TYPES and _s(v, "portfolio_type") not in ("O", ""):
        yield None, "portfolio_type", f"collection account type {kind} is reported with portfolio O"


def collection_names_creditor(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    kind = _s(v, "account_type")
    if kind in ("48", "0C") and not r.appended_of("K1"):
        yield (
            None,
            "account_type",
            f"account type {kind} (collection/debt buyer) needs a K1 segment naming the "
            "original creditor",
        )


def ssn_issuable(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    for segment in r.segments:
        if segment.kind not in ("base", "J1", "J2"):
            continue
        ssn = segment.raw("ssn")
        if not ssn.strip(" 0") or not digits(ssn):
            continue  # not reported (allowed), or not digits (reported by the type rule)
        area, group, serial = ssn[:3], ssn[3:5], ssn[5:]
        if area in ("000", "666") or area >= "900" or group == "00" or serial == "0000":
            yield (
                segment,
                "ssn",
                f"{segment.kind}: {ssn} is not a number that could have been issued",
            )


def birth_date_in_past(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    doai = _d(v, "date_account_information") or date.today()
    for segment in r.segments:
        if segment.kind not in ("base", "J1", "J2"):
            continue
        dob = segment.get("date_of_birth")
        if isinstance(dob, date) and (dob > doai or dob.year < 1900):
            yield (
                segment,
                "date_of_birth",
                f"{segment.kind}: must be a real date of birth in the past",
            )


def k2_names_party(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    for segment in r.appended_of("K2"):
        if segment.raw("purchased_sold_indicator") in ("1", "2") and not segment.get(
            "purchased_sold_name"
        ):
            yield segment, "purchased_sold_name", "K2: the purchased from/sold to name is required"


def k4_payment_details(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    for segment in r.appended_of("K4"):
        indicator = segment.raw("specialized_payment_indicator")
        if indicator == "01" and not segment.get("balloon_payment_due_date"):
            yield segment, "balloon_payment_due_date", "K4: a balloon payment needs its due date"
        if indicator == "02" and not segment.get("deferred_payment_start_date"):
            yield (
                segment,
                "deferred_payment_start_date",
                "K4: a deferred payment needs its start date",
            )


def l1_new_numbers(r: Record, v: Mapping[str, Value]) -> Iterable[Finding]:
    for segment in r.appended_of("L1"):
        indicator = segment.raw("change_indicator")
        if indicator in ("1", "3") and not segment.get("new_consumer_account_number"):
            yield (
                segment,
                "new_consumer_account_number",
                "L1: the new consumer account number is missing",
            )
        if indicator in ("2", "3") and not segment.get("new_identification_number"):
            yield (
                segment,
                "new_identification_number",
                "L1: the new identification number is missing",
            )


_W_DELINQ = (
    "the date of first delinquency starts the 7-year clock after which negative items must "
    "disappear; without it, or with a wrong one, a consumer can be reported too long"
)

RULES: tuple[Rule, ...] = (
    # Structure of the file and its records
    Rule("M2-S01", "Every byte belongs to a header, base segment or trailer", (),
         "unreadable data may hide accounts the furnisher believes it reported"),
    Rule("M2-S02", "Records and segments have their full layout length", (),
         "a short record may have lost data; its fields cannot be trusted to be in place"),
    Rule("M2-S03", "Nothing but known appended segments follows a base segment", (),
         "unknown data after the base usually means shifted fields or a broken segment"),
    Rule("M2-S04", "The record descriptor word equals the record's length",
         ("record_descriptor_word",),
         "readers that trust the RDW would cut records at the wrong place"),
    Rule("M2-S05", "A block descriptor word is numeric and covers its record", (),
         "readers that trust the BDW would cut blocks at the wrong place"),
    Rule("M2-S06", "A record is not split over several lines", (),
         "line breaks are not part of the format; some readers take them as data"),
    Rule("M2-S07", "The file starts with one header record", (),
         "the header identifies the furnisher and the reporting period"),
    Rule("M2-S08", "The file ends with one trailer record and nothing after it", (),
         "the trailer's totals are how a bureau knows the file arrived whole"),
    Rule("M2-S09", "At most one K1, K2, K3, K4, L1 and N1 segment per base segment", (),
         "two original creditors, buyers or account-number changes cannot all apply"),
    Rule("M2-S10", "No empty placeholder appended segments", (),
         "an appended segment with nothing after its identifier carries no data"),
    Rule("M2-S11", "Appended segments in CRRG order: J1, J2, K1, K2, K3, K4, L1, N1", (),
         "readers that expect the CRRG order may miss or misread segments out of it"),
    Rule("M2-S12", "One base record per account (identification and account number) per file",
         ("identification_number", "consumer_account_number"),
         "two reports of one account contradict each other; neither can be trusted to win"),
    Rule("M2-S13", "The date of account information falls in the header's reporting period "
         "(the activity date's month or the month before)", ("date_account_information",),
         "a record dated outside the cycle it was sent in is stale or from the future"),
    # Fields (every layout, from the field tables)
    Rule("M2-F01", "Numeric, date and time stamp fields hold valid values", (),
         "a balance or date that cannot be read cannot be reported correctly"),
    Rule("M2-F02", "Required fields are present", (),
         "an account without its required facts cannot be matched or shown accurately"),
    Rule("M2-F03", "Coded fields hold a code from their table", (),
         "an unknown code has no meaning a consumer or lender could read"),
    Rule("M2-F04", "Fixed values: processing indicator 1, HEADER/TRAILER identifiers", (),
         "these mark the record type; anything else means the record is misread"),
    Rule("M2-F05", "Terms duration is months (digits), LOC or REV", ("terms_duration",),
         "the term tells how long the consumer has to repay"),
    Rule("M2-F06", "Alphanumeric fields hold the Metro 2 character set (printable ASCII)", (),
         "control bytes and other encodings are shown garbled or cut text short"),
    Rule("M2-F07", "The base segment's consumer has a Social Security number or a date of "
         "birth", ("ssn", "date_of_birth"),
         "with neither, the consumer can only be matched by name and address: mixed files"),
    # Ingest: the record must belong to the furnisher sending it
    Rule("M2-I01", "The identification number is the sending furnisher's",
         ("identification_number",),
         "a furnisher must not report accounts under another furnisher's name"),
    # Trailer
    Rule("M2-T01", "Trailer totals equal the totals of the records in the file", (),
         "a mismatch means records were lost, duplicated or miscounted in transit"),
    # Consistency of one account (base segment and its appended segments)
    Rule("M2-C01", "A paid or closed status (13, 61-65) reports a zero balance",
         ("account_status", "current_balance"),
         "a balance on a paid account makes a consumer look indebted after paying",
         paid_zero_balance),
    Rule("M2-C02", "Status 11 (current) has no amount past due",
         ("account_status", "amount_past_due"),
         "a current account shown past due lowers the consumer's standing unfairly",
         current_no_past_due),
    Rule("M2-C03", "Delinquent statuses (71-84, 93, 95-97), paid collections and charge-offs "
         "(62, 64) and collection accounts report the date of first delinquency",
         ("account_status", "date_first_delinquency"), _W_DELINQ, delinquent_needs_dofd),
    Rule("M2-C04", "The date of first delinquency is not after the date of account information",
         ("date_first_delinquency", "date_account_information"), _W_DELINQ,
         dofd_not_after_doai),
    Rule("M2-C05", "Past-due statuses (71-84) report an amount past due above 0",
         ("account_status", "amount_past_due"),
         "a delinquency with nothing past due is contradictory; one of them is wrong",
         past_due_needs_amount),
    Rule("M2-C06", "Payment rating is reported exactly with statuses 05, 13, 65, 88, 89, 94, 95",
         ("account_status", "payment_rating"),
         "the rating tells whether a closed account was current or late when it closed",
         payment_rating_when_required),
    Rule("M2-C07", "Statuses 64 and 97 (charge-off) report the original charge-off amount",
         ("account_status", "original_charge_off"),
         "the amount charged off is part of what the consumer is shown and can dispute",
         charge_off_amount),
    Rule("M2-C08", "Date opened is not after the date of account information",
         ("date_opened", "date_account_information"),
         "the length of credit history depends on the date opened", opened_not_after_doai),
    Rule("M2-C09", "Date closed is not before date opened", ("date_opened", "date_closed"),
         "impossible dates make the account's history unreliable", closed_not_before_opened),
    Rule("M2-C10", "A paid or closed status (13, 61-65) reports the date closed",
         ("account_status", "date_closed"),
         "a closed account without its closing date looks open to lenders",
         paid_needs_date_closed),
    Rule("M2-C11", "Date of last payment is not after the date of account information",
         ("date_last_payment", "date_account_information"),
         "a payment dated in the future cannot have been made", last_payment_not_after_doai),
    Rule("M2-C12", "Revolving and line-of-credit portfolios report a credit limit",
         ("portfolio_type", "credit_limit", "highest_credit"),
         "without a limit, utilisation cannot be computed and a balance looks maxed out",
         revolving_needs_limit),
    Rule("M2-C13", "Installment and mortgage portfolios report the term in months",
         ("portfolio_type", "terms_duration"),
         "the term is needed to judge whether payments are on schedule",
         installment_needs_months),
    Rule("M2-C14", "Collection account types (48, 0C, 77) use portfolio O",
         ("account_type", "portfolio_type"),
         "a collection reported as a loan misrepresents what the consumer owes",
         collection_is_open_portfolio),
    Rule("M2-C15", "Collections and debt buyers (48, 0C) name the original creditor in K1",
         ("account_type",),
         "a consumer must be able to recognise which debt a collector is reporting",
         collection_names_creditor),
    Rule("M2-C16", "A reported Social Security number could have been issued", ("ssn",),
         "an impossible number cannot be the consumer's and leads to mixed files",
         ssn_issuable),
    Rule("M2-C17", "A date of birth is a real date in the past", ("date_of_birth",),
         "a wrong birth date leads to mixed files", birth_date_in_past),
    Rule("M2-C18", "K2 names the party the account was purchased from or sold to",
         ("purchased_sold_indicator", "purchased_sold_name"),
         "consumers need to know who holds their debt now", k2_names_party),
    Rule("M2-C19", "K4 balloon and deferred payments carry their dates",
         ("specialized_payment_indicator",),
         "a balloon or deferral changes what the consumer owes and when", k4_payment_details),
    Rule("M2-C20", "L1 carries the new number its change indicator announces",
         ("change_indicator",),
         "without the new number, the account's history is split in two", l1_new_numbers),
)  # fmt: skip

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
CONSISTENCY: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.check is not None)
