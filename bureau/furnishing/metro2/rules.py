"""The validation rules, as data: id, what is checked, the fields used, why it matters, and
how severe a breach is (rule.py).

Structural and field rules are applied by the engine in validate.py for every field of every
layout; consistency rules are declarative predicates (predicates.py) evaluated by
consistency.py. Our own rules (M2-*) are here; the CFPB's evaluator catalogue is in
catalogue.py. Every problem the validator reports names its rule id, so a furnisher can look
the rule up and a reviewer can see why the bureau insists on it.

Which consistency rules reject, and why: a record whose dates are impossible (M2-C04, C08,
C09, C11), whose delinquency has no date of first delinquency (M2-C03: the bureau could not
tell when the item must disappear, FCRA 605(c)), whose identity cannot be the consumer's
(M2-C16, C17: it would be filed in the wrong person's file), or whose change segments name
nothing (M2-C18, C19, C20: the account's history would split or its terms be unknown) would
mislead whoever reads the file. The others are findings for review, as the CFPB treats its
evaluators: the record lands and the furnisher is told.
"""

from __future__ import annotations

from datetime import date

from bureau.furnishing.metro2.catalogue import (
    CATALOGUE,
    CLOSED,
    DOAI,
    DOFD,
    DURATION,
    HCOLA,
    LIMIT,
    OPENED,
    PAST_DUE,
    PORTFOLIO,
    RATING,
    STATUS,
    TYPE,
)
from bureau.furnishing.metro2.codes import COLLECTION_ACCOUNT_TYPES
from bureau.furnishing.metro2.predicates import (
    Blank,
    Cmp,
    Matches,
    Not,
    Ref,
    all_of,
    any_of,
    base,
    is_in,
    no,
    not_in,
    present,
    zero,
)
from bureau.furnishing.metro2.rule import Rule, Severity

DELINQUENT_STATUSES = (*PAST_DUE, "93", "95", "96", "97")
RATED_STATUSES = ("05", "13", "65", "88", "89", "94", "95")
# Paid, but still adverse: a paid collection or a paid charge-off ages off from the same date
# of first delinquency as the unpaid one (FCRA 605(c)).
PAID_ADVERSE_STATUSES = ("62", "64")
PERSON = "base/J1/J2"  # rules evaluated on every segment that names a person
# A number that was never issued: area 000, 666 or 900-999, group 00 or serial 0000 (all
# zeros is "not reported", which is allowed).
_NOT_ISSUABLE = r"(?!0{9})(?:(000|666|9\d\d)\d{6}|\d{3}00\d{4}|\d{5}0000)"

_W_DELINQ = (
    "the date of first delinquency starts the 7-year clock after which negative items must "
    "disappear; without it, or with a wrong one, a consumer can be reported too long"
)


def _ours(id: str, description: str, blame: Ref, when: object, why: str, reason: str,
          severity: Severity = "reject", each: str | None = None) -> Rule:  # fmt: skip
    return Rule(id, description, (), why, when=when, blame=blame,  # type: ignore[arg-type]
                severity=severity, each=each, reason=reason)  # fmt: skip


OURS: tuple[Rule, ...] = (
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
    _ours("M2-C03", "Delinquent statuses (71-84, 93, 95-97), paid collections and charge-offs "
          "(62, 64) and collection accounts report the date of first delinquency", DOFD,
          all_of(Blank(DOFD), any_of(is_in(STATUS, DELINQUENT_STATUSES, PAID_ADVERSE_STATUSES),
                                     is_in(TYPE, COLLECTION_ACCOUNT_TYPES))),
          _W_DELINQ,
          "status {account_status} / account type {account_type}: the date of first "
          "delinquency is required"),
    _ours("M2-C04", "The date of first delinquency is not after the date of account "
          "information", DOFD, Cmp(DOFD, ">", DOAI), _W_DELINQ,
          "is after the date of account information"),
    _ours("M2-C06", "Payment rating is reported exactly with statuses 05, 13, 65, 88, 89, 94, "
          "95", RATING,
          any_of(all_of(is_in(STATUS, RATED_STATUSES), Blank(RATING)),
                 all_of(present(RATING), present(STATUS), not_in(STATUS, RATED_STATUSES))),
          "the rating tells whether a closed account was current or late when it closed",
          "status {account_status} with payment rating {payment_rating!r}: a rating is "
          "required with 05, 13, 65, 88, 89, 94, 95 and must be blank otherwise", "review"),
    _ours("M2-C08", "Date opened is not after the date of account information", OPENED,
          Cmp(OPENED, ">", DOAI), "the length of credit history depends on the date opened",
          "is after the date of account information"),
    _ours("M2-C09", "Date closed is not before date opened", CLOSED, Cmp(CLOSED, "<", OPENED),
          "impossible dates make the account's history unreliable", "is before the date opened"),
    _ours("M2-C10", "A paid status the CFPB's Status-DateClosed-1 leaves out (61, 63) reports "
          "the date closed", CLOSED, all_of(is_in(STATUS, "61", "63"), Blank(CLOSED)),
          "a closed account without its closing date looks open to lenders",
          "status {account_status} (paid) requires the date closed", "review"),
    _ours("M2-C11", "Date of last payment is not after the date of account information",
          base("date_last_payment"), Cmp(base("date_last_payment"), ">", DOAI),
          "a payment dated in the future cannot have been made",
          "is after the date of account information"),
    _ours("M2-C12", "Revolving and line-of-credit portfolios report a credit limit", LIMIT,
          all_of(is_in(PORTFOLIO, "R", "C"), zero(LIMIT), zero(HCOLA)),
          "without a limit, utilisation cannot be computed and a balance looks maxed out",
          "portfolio {portfolio_type} requires a credit limit (or highest credit for charge "
          "cards)", "review"),
    _ours("M2-C13", "Installment and mortgage portfolios report the term in months", DURATION,
          all_of(is_in(PORTFOLIO, "I", "M"), Not(Matches(DURATION, r"\d*[1-9]\d*"))),
          "the term is needed to judge whether payments are on schedule",
          "portfolio {portfolio_type} requires the term in months", "review"),
    _ours("M2-C14", "Collection account types (48, 0C, 77) use portfolio O", PORTFOLIO,
          all_of(is_in(TYPE, COLLECTION_ACCOUNT_TYPES), not_in(PORTFOLIO, "O", "")),
          "a collection reported as a loan misrepresents what the consumer owes",
          "collection account type {account_type} is reported with portfolio O", "review"),
    _ours("M2-C15", "Collections and debt buyers (48, 0C) name the original creditor in K1",
          TYPE, all_of(is_in(TYPE, "48", "0C"), no("K1")),
          "a consumer must be able to recognise which debt a collector is reporting",
          "account type {account_type} (collection/debt buyer) needs a K1 segment naming the "
          "original creditor", "review"),
    _ours("M2-C16", "A reported Social Security number could have been issued",
          Ref("ssn", seg=PERSON), Matches(Ref("ssn", seg=PERSON), _NOT_ISSUABLE),
          "an impossible number cannot be the consumer's and leads to mixed files",
          "{ssn} is not a number that could have been issued", each=PERSON),
    _ours("M2-C17", "A date of birth is a real date in the past", Ref("date_of_birth", seg=PERSON),
          any_of(Cmp(Ref("date_of_birth", seg=PERSON), ">", DOAI),
                 Cmp(Ref("date_of_birth", seg=PERSON), "<", date(1900, 1, 1))),
          "a wrong birth date leads to mixed files", "must be a real date of birth in the past",
          each=PERSON),
    _ours("M2-C18", "K2 names the party the account was purchased from or sold to",
          Ref("purchased_sold_name", seg="K2"),
          all_of(is_in(Ref("purchased_sold_indicator", seg="K2"), "1", "2"),
                 Blank(Ref("purchased_sold_name", seg="K2"))),
          "consumers need to know who holds their debt now",
          "K2: the purchased from/sold to name is required", each="K2"),
    _ours("M2-C19", "K4 balloon payments carry their due date",
          Ref("balloon_payment_due_date", seg="K4"),
          all_of(is_in(Ref("specialized_payment_indicator", seg="K4"), "1"),
                 Blank(Ref("balloon_payment_due_date", seg="K4"))),
          "a balloon changes what the consumer owes and when",
          "K4: a balloon payment needs its due date", each="K4"),
    _ours("M2-C21", "K4 deferred payments carry their start date",
          Ref("deferred_payment_start_date", seg="K4"),
          all_of(is_in(Ref("specialized_payment_indicator", seg="K4"), "2"),
                 Blank(Ref("deferred_payment_start_date", seg="K4"))),
          "a deferral changes what the consumer owes and when",
          "K4: a deferred payment needs its start date", each="K4"),
    _ours("M2-C20", "L1 carries the new account number its change indicator announces",
          Ref("new_consumer_account_number", seg="L1"),
          all_of(is_in(Ref("change_indicator", seg="L1"), "1", "3"),
                 Blank(Ref("new_consumer_account_number", seg="L1"))),
          "without the new number, the account's history is split in two",
          "L1: the new consumer account number is missing", each="L1"),
    _ours("M2-C22", "L1 carries the new identification number its change indicator announces",
          Ref("new_identification_number", seg="L1"),
          all_of(is_in(Ref("change_indicator", seg="L1"), "2", "3"),
                 Blank(Ref("new_identification_number", seg="L1"))),
          "without the new number, the account's history is split in two",
          "L1: the new identification number is missing", each="L1"),
)  # fmt: skip

RULES: tuple[Rule, ...] = OURS + CATALOGUE
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
CONSISTENCY: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.when is not None)
