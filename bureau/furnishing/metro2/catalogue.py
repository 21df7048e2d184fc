"""The CFPB's Metro 2 evaluator catalogue (../shared/reference/metro2-evaluators.md) as rules.

Each evaluator is one rule: our id (M2-E.. for one record, M2-P.. across cycles), the CFPB id
beside it, the predicate it tests, the field a hit is reported at, and what it means. Every hit
is a finding for review: the record lands. The CFPB treats hits as inconsistencies for an
examiner to look at, and a few evaluators contradict each other, so an accurate file can hit
some of them. The predicates reproduce the hit lists of the CFPB's own unit tests
(tests/furnishing/metro2/data/cfpb_evaluator_cases.json).
"""

from __future__ import annotations

from bureau.furnishing.metro2.predicates import (
    Blank,
    Cmp,
    Codes,
    Matches,
    Not,
    Pred,
    Ref,
    Some,
    all_of,
    any_of,
    base,
    is_in,
    no,
    not_in,
    positive,
    present,
    prev,
    zero,
)
from bureau.furnishing.metro2.rule import Rule

# Fields (base segment unless said otherwise)
STATUS, RATING = base("account_status"), base("payment_rating")
PORTFOLIO, TYPE = base("portfolio_type"), base("account_type")
APD, BALANCE, CHARGE_OFF = (
    base("amount_past_due"), base("current_balance"), base("original_charge_off"))  # fmt: skip
SMPA, PAYMENT = base("scheduled_payment"), base("actual_payment")
LIMIT, HCOLA = base("credit_limit"), base("highest_credit")
DURATION, FREQUENCY = base("terms_duration"), base("terms_frequency")
SCC, CCC = base("special_comment"), base("compliance_condition")
OPENED, CLOSED = base("date_opened"), base("date_closed")
DOFD, DOAI, DOLP = (
    base("date_first_delinquency"), base("date_account_information"), base("date_last_payment"))  # fmt: skip
ECOA, CII = base("ecoa_code"), base("consumer_information_indicator")
PHP_FIRST = base("payment_history_profile", chars=(0, 1))
ACTIVITY = Ref("activity_date", seg="header")
L1_CHANGE, L1_NUMBER, L1_ID = (Ref(n, seg="L1") for n in (
    "change_indicator", "new_consumer_account_number", "new_identification_number"))  # fmt: skip
J_ECOA, J_CII = Ref("ecoa_code", seg="J1/J2"), Ref("consumer_information_indicator", seg="J1/J2")

# Code sets
PAID = ("13", "61", "62", "63", "64", "65")
PAST_DUE = ("71", "78", "80", "82", "83", "84")
ADVERSE = ("1", "2", "3", "4", "5", "6", "G", "L")
SETTLED_SCC = ("AU", "AX", "BP", "C", "AH", "AT", "O", "BC", "BF", "BJ", "AS")
OWING_SCC = ("BD", "BG", "BI", "BK", "BA", "BO")
TRANSFER_SCC = ("AH", "AT", "O")
DISCHARGED = ("E", "F", "G", "H")
BANKRUPTCY = ("A", "B", "C", "D", "E", "F", "G", "H", "Z", "V", "1A")
DELETED = ("DA", "DF")
ADVERSE_STATUS = ("61", "62", "63", "64", "65", *PAST_DUE, "88", "89", "93", "94", "95", "96", "97")
CLOSED_END = ["0A", "0C", "0F", "2C", "5A", "5B", "6A", "6B", "6D", "7B", "9A", "01", "02", "03", "04", "05", "06", "08", "10", "11", "13", "17", "19", "20", "25", "26", "47", "48", "77", "91"]  # fmt: skip
LINE_TYPES = ["0G", "2A", "7A", "8A", "9B", "07", "15", "18", "37", "43", "47", "89"]
LEASE_LOAN = ["00", "01", "02", "03", "04", "05", "06", "10", "11", "13", "17", "20", "29", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "91", "95", "0A", "0F", "3A", "6A", "6D", "7B", "9A"]  # fmt: skip
CARD_TYPES = ("15", "43", "47", "89", "7A", "9B")

LINE_CARD = any_of(
    all_of(is_in(PORTFOLIO, "C"), is_in(TYPE, CARD_TYPES)),
    all_of(is_in(PORTFOLIO, "O", "R"), is_in(TYPE, "18", "37", "43", "2A", "8A")),
)
NOT_DEFERRED = not_in(FREQUENCY, "D")
NOT_XA = not_in(CCC, "XA")
NO_L1 = no("L1")


def _when(portfolio: str | tuple[str, ...], *statuses: Codes) -> Pred:
    return all_of(is_in(PORTFOLIO, portfolio), is_in(STATUS, statuses))


def _cii(codes: tuple[str, ...], cycle: str = "now") -> Pred:
    """The consumer information indicator of the base or any J1/J2 segment is one of codes."""
    if cycle == "now":
        return any_of(is_in(CII, codes), Some("J1/J2", is_in(J_CII, codes)))
    prev_j = Ref("consumer_information_indicator", seg="J1/J2", cycle="previous")
    return any_of(
        is_in(prev("consumer_information_indicator"), codes),
        Some("J1/J2", is_in(prev_j, codes), cycle="previous"),
    )


# Last cycle reported no consumer information indicator at all (base or J1/J2): the PHP
# evaluators are excused otherwise.
_NO_PREVIOUS_CII = all_of(
    Blank(prev("consumer_information_indicator")),
    no("J1/J2", present(Ref("consumer_information_indicator", seg="J1/J2", cycle="previous")),
       cycle="previous"),
)  # fmt: skip

_W_STATUS = "the account status is what a lender reads first; amounts that contradict it " \
    "make the account look worse (or better) than it is"  # fmt: skip
_W_TYPE = "limits, original amounts and terms are how utilisation and payment capacity are " \
    "judged; a value that does not fit the kind of account distorts both"  # fmt: skip
_W_SCC = "a special comment explains the account to the consumer and to lenders; one that " \
    "contradicts the amounts or status misinforms both"  # fmt: skip
_W_CHANGE = "an account-number or furnisher change that is incomplete splits the account's " \
    "history in two or merges it with another consumer's"  # fmt: skip
_W_BK = "a bankruptcy indicator changes how every amount on the account is read; amounts that " \
    "ignore it report a discharged debt as still owed"  # fmt: skip
_W_DOFD = "the date of first delinquency starts the 7-year clock after which negative items " \
    "must disappear (FCRA 605(c)); a missing, wrong or moved date reports a consumer too long"  # fmt: skip
_W_CYCLE = "an account's history must be consistent from one month to the next; a value that " \
    "changes without reason rewrites what the consumer's record said before"  # fmt: skip


def _c(ours: str, cfpb: str, blame: Ref, when: Pred, description: str, why: str) -> Rule:
    return Rule(ours, description, (), why, when=when, blame=blame, severity="review", cfpb=cfpb,
                reason=f"{description} (CFPB {cfpb})")  # fmt: skip


def _each(ours: str, cfpb: str, seg: str, blame: Ref, when: Pred, description: str,
          why: str) -> Rule:  # fmt: skip
    return Rule(ours, description, (), why, when=when, blame=blame, severity="review", cfpb=cfpb,
                each=seg, reason=f"{description} (CFPB {cfpb})")  # fmt: skip


SINGLE_CYCLE: tuple[Rule, ...] = (
    # Status (25)
    _c("M2-E01", "Status-APD-1", APD, all_of(is_in(STATUS, "05", "11", PAID), positive(APD)),
       "a current, transferred or paid status (05, 11, 13, 61-65) reports an amount past due",
       _W_STATUS),
    _c("M2-E02", "Status-APD-2", APD, all_of(is_in(STATUS, PAST_DUE, "93", "97"), zero(APD)),
       "a past-due, collection or charge-off status (71-84, 93, 97) reports nothing past due",
       _W_STATUS),
    _c("M2-E03", "Status-APD-3", APD,
       all_of(_when("I", "95", "96"), is_in(TYPE, "00", "13", "3A"), zero(APD)),
       "a voluntary surrender or repossession (95, 96) of an auto loan or lease reports "
       "nothing past due", _W_STATUS),
    _c("M2-E04", "Status-Balance-1", BALANCE, all_of(is_in(STATUS, "05", PAID),
                                                     positive(BALANCE)),
       "a transferred or paid status (05, 13, 61-65) reports a balance", _W_STATUS),
    _c("M2-E05", "Status-Balance-2", BALANCE,
       all_of(is_in(STATUS, PAST_DUE, "93", "97"), zero(BALANCE)),
       "a past-due, collection or charge-off status (71-84, 93, 97) reports a zero balance",
       _W_STATUS),
    _c("M2-E06", "Status-Balance-3", BALANCE, all_of(is_in(STATUS, "95", "96"), zero(BALANCE)),
       "a voluntary surrender or repossession (95, 96) reports a zero balance", _W_STATUS),
    _c("M2-E07", "Status-Balance-4", BALANCE,
       all_of(_when(("I", "M"), "11"), zero(BALANCE), not_in(SCC, "BS"), NOT_XA),
       "a current installment or mortgage account (11) reports a zero balance, with no "
       "prepaid-lease comment (BS)", _W_STATUS),
    _c("M2-E08", "Status-Balance-5", BALANCE, all_of(is_in(STATUS, "11"), zero(BALANCE),
                                                     LINE_CARD),
       "a current line of credit or card (11) reports a zero balance", _W_STATUS),
    _c("M2-E09", "Status-Balance-6", BALANCE, all_of(is_in(STATUS, "88", "89"), zero(BALANCE)),
       "an insurance claim or deed in lieu (88, 89) reports a zero balance", _W_STATUS),
    _c("M2-E10", "Status-Balance-7", BALANCE,
       all_of(is_in(STATUS, "94"), is_in(RATING, ADVERSE), zero(BALANCE), NOT_XA),
       "a foreclosure (94) with an adverse rating reports a zero balance", _W_STATUS),
    _c("M2-E11", "Status-Balance-8", BALANCE,
       all_of(is_in(PORTFOLIO, "I", "M"), zero(BALANCE),
              not_in(STATUS, "13", "62", "64", DELETED), NO_L1,
              not_in(SCC, TRANSFER_SCC, "BB", "BE"),
              Not(_when("I", "61", "63", "88", "95", "96")), Not(_when("M", "65", "94"))),
       "an installment or mortgage account reports a zero balance with a status that implies "
       "money is owed", _W_STATUS),
    _c("M2-E12", "Status-Balance-9", BALANCE,
       all_of(is_in(PORTFOLIO, "C", "O", "R"), zero(BALANCE),
              not_in(STATUS, "11", "13", "62", "64", DELETED), NO_L1,
              not_in(SCC, TRANSFER_SCC),
              Not(_when("C", "65", "88", "89", "94")), Not(_when("O", "88"))),
       "a card, open or revolving account reports a zero balance with a status that implies "
       "money is owed", _W_STATUS),
    _c("M2-E13", "Status-Balance-10", BALANCE,
       all_of(positive(BALANCE), not_in(STATUS, "11", PAST_DUE, "93", "97", DELETED), NO_L1,
              not_in(SCC, TRANSFER_SCC), Not(_when("I", "95", "96")), Not(_when("O", "88")),
              Not(_when(("C", "M"), "88", "89", "94"))),
       "a balance is reported with a status that implies nothing is owed", _W_STATUS),
    _c("M2-E14", "Status-ChargeOff-1", CHARGE_OFF,
       all_of(is_in(STATUS, "05", "11", "13", "62", "65", PAST_DUE, "89", "93"),
              positive(CHARGE_OFF)),
       "an original charge-off amount is reported with a status that is not a charge-off",
       _W_STATUS),
    _c("M2-E15", "Status-ChargeOff-2", CHARGE_OFF, all_of(is_in(STATUS, "64", "97"),
                                                          zero(CHARGE_OFF)),
       "a charge-off status (64, 97) reports no original charge-off amount", _W_STATUS),
    _c("M2-E16", "Status-DateClosed-1", CLOSED,
       all_of(is_in(STATUS, "05", "13", "62", "64", "65"), Blank(CLOSED)),
       "a transferred or paid status (05, 13, 62, 64, 65) reports no date closed", _W_STATUS),
    _c("M2-E17", "Status-DateClosed-2", CLOSED,
       all_of(is_in(STATUS, "11", PAST_DUE, "93", "97"), present(CLOSED), NOT_XA),
       "an open status (11, 71-84, 93, 97) reports a date closed", _W_STATUS),
    _c("M2-E18", "Status-DateClosed-3", CLOSED, all_of(is_in(STATUS, "89", "94"), Blank(CLOSED)),
       "a deed in lieu or foreclosure (89, 94) reports no date closed", _W_STATUS),
    _c("M2-E19", "Status-DOFD-1", DOFD,
       all_of(Blank(DOFD), any_of(is_in(STATUS, ADVERSE_STATUS),
                                  all_of(is_in(STATUS, "05", "13"), is_in(RATING, ADVERSE)))),
       "an adverse status (61-97), or a transferred/paid one rated late, reports no date of "
       "first delinquency", _W_DOFD),
    _c("M2-E20", "Status-DOFD-2", DOFD,
       all_of(present(DOFD), any_of(is_in(STATUS, "11"),
                                    all_of(is_in(STATUS, "05", "13"), is_in(RATING, "0")))),
       "a current account (11), or a transferred/paid one rated current, reports a date of "
       "first delinquency", _W_DOFD),
    _c("M2-E21", "Status-PaymentAmount-1", PAYMENT,
       all_of(_when(("I", "M"), "11"), zero(PAYMENT), NOT_DEFERRED,
              Cmp(OPENED, "<", Ref("activity_date", seg="header", days=-60))),
       "a current installment or mortgage account opened more than 60 days before the "
       "activity date reports no payment", _W_STATUS),
    _c("M2-E22", "Status-SMPA-1", SMPA,
       all_of(is_in(STATUS, "05", "13", "62", "64", "65", "97"), positive(SMPA)),
       "a transferred, paid or charged-off status reports a scheduled monthly payment",
       _W_STATUS),
    _c("M2-E23", "Status-SMPA-2", SMPA,
       all_of(is_in(STATUS, PAST_DUE, "93"), LINE_CARD, zero(SMPA), NOT_XA, NOT_DEFERRED),
       "a past-due line of credit or card reports no scheduled monthly payment", _W_STATUS),
    _c("M2-E24", "Status-SMPA-3", SMPA,
       all_of(_when("I", "11", PAST_DUE, "93"), zero(SMPA), NOT_XA, not_in(SCC, "BS"),
              NOT_DEFERRED),
       "an open installment account reports no scheduled monthly payment", _W_STATUS),
    _c("M2-E25", "Status-SMPA-4", SMPA,
       all_of(is_in(STATUS, "11"), LINE_CARD, zero(SMPA), NOT_XA, NOT_DEFERRED),
       "a current line of credit or card reports no scheduled monthly payment", _W_STATUS),
    # Type (7) and Portfolio (1)
    _c("M2-E26", "Type-Balance-1", BALANCE,
       all_of(_when("I", "11"), is_in(SCC, "BS"), is_in(TYPE, LEASE_LOAN), positive(BALANCE)),
       "a prepaid lease (special comment BS) still reports a balance", _W_TYPE),
    _c("M2-E27", "Type-CreditLimit-1", LIMIT,
       all_of(is_in(TYPE, CLOSED_END), positive(LIMIT), NOT_DEFERRED),
       "a closed-end account type reports a credit limit", _W_TYPE),
    _c("M2-E28", "Type-CreditLimit-2", LIMIT,
       all_of(is_in(TYPE, LINE_TYPES), zero(LIMIT), NOT_DEFERRED),
       "a line-of-credit account type reports no credit limit", _W_TYPE),
    _c("M2-E29", "Type-HCOLA-1", HCOLA,
       all_of(is_in(TYPE, CLOSED_END, "00", "3A"), zero(HCOLA), NOT_DEFERRED),
       "a closed-end account type reports no original loan amount", _W_TYPE),
    _c("M2-E30", "Type-HCOLA-2", HCOLA, all_of(is_in(TYPE, LINE_TYPES), zero(HCOLA),
                                               NOT_DEFERRED),
       "a line-of-credit account type reports no highest credit", _W_TYPE),
    _c("M2-E31", "Type-SMPA-1", SMPA, all_of(_when("I", "11"), is_in(SCC, "BS"), positive(SMPA)),
       "a prepaid lease (special comment BS) still reports a scheduled monthly payment",
       _W_TYPE),
    _c("M2-E32", "Type-TermsDuration-1", DURATION,
       all_of(NOT_DEFERRED, any_of(
           all_of(is_in(PORTFOLIO, "C"), not_in(DURATION, "LOC")),
           all_of(is_in(PORTFOLIO, "O"), not_in(DURATION, "001")),
           all_of(is_in(PORTFOLIO, "R"), not_in(DURATION, "REV")),
           all_of(is_in(PORTFOLIO, "I"), Not(Matches(DURATION, r"\d*[1-9]\d*"))))),
       "the terms duration does not fit the portfolio (C: LOC, O: 001, R: REV, I: months)",
       _W_TYPE),
    _c("M2-E33", "Portfolio-Type-1", TYPE, all_of(is_in(PORTFOLIO, "C"),
                                                  not_in(TYPE, CARD_TYPES)),
       "a line-of-credit portfolio (C) reports an account type that is not a line of credit",
       _W_TYPE),
    # Special comment (15)
    _c("M2-E34", "SCC-AccountChange-1", SCC,
       all_of(is_in(SCC, "O"), no("L1", is_in(L1_CHANGE, "1", "2", "3"))),
       "a transferred account (special comment O) sends no L1 segment with a change indicator",
       _W_SCC),
    _c("M2-E35", "SCC-APD-1", APD, all_of(is_in(SCC, SETTLED_SCC), positive(APD)),
       "a special comment saying the account is settled or transferred reports an amount past "
       "due", _W_SCC),
    _c("M2-E36", "SCC-APD-2", APD, all_of(is_in(SCC, OWING_SCC), zero(APD)),
       "a special comment saying money is owed reports nothing past due", _W_SCC),
    _c("M2-E37", "SCC-Balance-1", BALANCE, all_of(is_in(SCC, SETTLED_SCC), positive(BALANCE)),
       "a special comment saying the account is settled or transferred reports a balance",
       _W_SCC),
    _c("M2-E38", "SCC-Balance-2", BALANCE, all_of(is_in(SCC, OWING_SCC, "CP"), zero(BALANCE)),
       "a special comment saying money is owed reports a zero balance", _W_SCC),
    _c("M2-E39", "SCC-DateClosed-1", CLOSED, all_of(is_in(SCC, "BO", "CP"), present(CLOSED)),
       "special comment BO or CP (account still open) reports a date closed", _W_SCC),
    _c("M2-E40", "SCC-DateClosed-2", CLOSED, all_of(is_in(SCC, "M"), Blank(CLOSED)),
       "special comment M (closed by the credit grantor) reports no date closed", _W_SCC),
    _c("M2-E41", "SCC-DateClosed-3", CLOSED,
       all_of(is_in(SCC, TRANSFER_SCC), zero(BALANCE), Blank(CLOSED), NO_L1),
       "a transferred or sold account with a zero balance reports no date closed", _W_SCC),
    _c("M2-E42", "SCC-PurchasedSold-1", SCC,
       all_of(is_in(SCC, "AH"), no("K2", is_in(Ref("purchased_sold_indicator", seg="K2"), "2"))),
       "a sold account (special comment AH) sends no K2 segment naming who it was sold to",
       _W_SCC),
    _each("M2-E43", "SCC-PurchasedSold-2", "K2", Ref("purchased_sold_name", seg="K2"),
          all_of(is_in(SCC, "AH"), Blank(Ref("purchased_sold_name", seg="K2"))),
          "a sold account (special comment AH) sends a K2 segment with no name", _W_SCC),
    _c("M2-E44", "SCC-Status-1", SCC,
       any_of(all_of(is_in(SCC, "BC", "BF"), not_in(STATUS, "13")),
              all_of(is_in(SCC, "AU", "AX", "BP", "C"), not_in(STATUS, PAID))),
       "a special comment saying the account is paid or settled comes with a status that is "
       "not paid", _W_SCC),
    _c("M2-E45", "SCC-Status-2", SCC, all_of(is_in(SCC, "AP", "BD", "CP"), is_in(STATUS, PAID)),
       "special comment AP, BD or CP (payments still due) comes with a paid status", _W_SCC),
    _c("M2-E46", "SCC-Status-3", SCC,
       all_of(is_in(SCC, "BA"),
              not_in(STATUS, PAST_DUE, "88", "89", "93", "94", "95", "96", "97")),
       "special comment BA (transferred to recovery) comes with a status that is not "
       "delinquent", _W_SCC),
    _c("M2-E47", "SCC-Status-4", SCC,
       all_of(is_in(SCC, "BO"), is_in(STATUS, PAID, "88", "89", "94")),
       "special comment BO (transferred to another office) comes with a paid or closed status",
       _W_SCC),
    _c("M2-E48", "SCC-Status-5", SCC,
       all_of(is_in(SCC, TRANSFER_SCC), zero(BALANCE),
              not_in(STATUS, "11", PAST_DUE, "93", "97", DELETED), NO_L1,
              Not(_when("I", "96")), Not(_when(("C", "M"), "89", "94"))),
       "a transferred or sold account with a zero balance comes with a status that does not "
       "say so", _W_SCC),
    # Account change (8)
    _each("M2-E49", "AccountChange-ID-1", "L1", L1_ID,
          all_of(is_in(L1_CHANGE, "2", "3"), Blank(L1_ID)),
          "an L1 announcing a new identification number (2, 3) does not give it", _W_CHANGE),
    _each("M2-E50", "AccountChange-ID-2", "L1", L1_ID,
          all_of(is_in(L1_CHANGE, "1"), present(L1_ID)),
          "an L1 changing only the account number (1) gives a new identification number",
          _W_CHANGE),
    _each("M2-E51", "AccountChange-ID-3", "L1", L1_ID,
          all_of(is_in(L1_CHANGE, "2", "3"),
                 Cmp(L1_ID, "==", base("identification_number"), fold=True)),
          "an L1's new identification number is the one the base segment already has",
          _W_CHANGE),
    _each("M2-E52", "AccountChange-ID-4", "L1", L1_ID,
          all_of(is_in(L1_CHANGE, "1"), present(L1_ID),
                 Cmp(L1_ID, "!=", base("identification_number"), fold=True)),
          "an L1 changing only the account number (1) gives a different identification number",
          _W_CHANGE),
    _each("M2-E53", "AccountChange-Number-1", "L1", L1_NUMBER,
          all_of(is_in(L1_CHANGE, "1", "3"), Blank(L1_NUMBER)),
          "an L1 announcing a new account number (1, 3) does not give it", _W_CHANGE),
    _each("M2-E54", "AccountChange-Number-2", "L1", L1_NUMBER,
          all_of(is_in(L1_CHANGE, "2"), present(L1_NUMBER)),
          "an L1 changing only the identification number (2) gives a new account number",
          _W_CHANGE),
    _each("M2-E55", "AccountChange-Number-3", "L1", L1_NUMBER,
          all_of(is_in(L1_CHANGE, "1", "3"),
                 Cmp(L1_NUMBER, "==", base("consumer_account_number"), fold=True)),
          "an L1's new account number is the one the base segment already has", _W_CHANGE),
    _each("M2-E56", "AccountChange-Number-4", "L1", L1_NUMBER,
          all_of(is_in(L1_CHANGE, "2"), present(L1_NUMBER),
                 Cmp(L1_NUMBER, "!=", base("consumer_account_number"), fold=True)),
          "an L1 changing only the identification number (2) gives a different account number",
          _W_CHANGE),
    # Balance (4), Balloon (1), Bankruptcy (5), and the single ones
    _c("M2-E57", "Balance-APD-1", APD, all_of(Cmp(BALANCE, "==", 0), positive(APD), NO_L1),
       "a zero balance with an amount past due", _W_STATUS),
    _c("M2-E58", "Balance-APD-2", APD, Cmp(BALANCE, "<", APD),
       "the amount past due is more than the balance", _W_STATUS),
    _c("M2-E59", "Balance-DateClosed-1", CLOSED,
       all_of(is_in(PORTFOLIO, "C", "I", "M"), positive(BALANCE), present(CLOSED), NO_L1,
              not_in(SCC, TRANSFER_SCC, "BB", "BE")),
       "a closed card, installment or mortgage account still reports a balance", _W_STATUS),
    _c("M2-E60", "Balance-DateClosed-2", CLOSED,
       all_of(is_in(PORTFOLIO, "I", "M"), zero(BALANCE), Blank(CLOSED), NO_L1,
              not_in(SCC, TRANSFER_SCC, "BB", "BE")),
       "an installment or mortgage account paid down to zero reports no date closed",
       _W_STATUS),
    _each("M2-E61", "Balloon-Balance-1", "K4", Ref("balloon_payment_amount", seg="K4"),
          Cmp(Ref("balloon_payment_amount", seg="K4"), ">", BALANCE),
          "the K4 balloon payment is more than the balance", _W_TYPE),
    _c("M2-E62", "Bankruptcy-APD-1", APD,
       all_of(_cii(DISCHARGED), not_in(STATUS, "05", PAID, DELETED), zero(APD)),
       "a discharged bankruptcy (indicator E-H) on an account not paid or transferred reports "
       "nothing past due", _W_BK),
    _c("M2-E63", "Bankruptcy-Balance-1", BALANCE,
       all_of(_cii(DISCHARGED), not_in(STATUS, "05", PAID, DELETED), zero(BALANCE)),
       "a discharged bankruptcy (indicator E-H) on an account not paid or transferred reports "
       "a zero balance", _W_BK),
    _c("M2-E64", "Bankruptcy-SMPA-1", SMPA,
       all_of(_cii(DISCHARGED), not_in(STATUS, "05", PAID, DELETED), zero(SMPA)),
       "a discharged bankruptcy (indicator E-H) on an account not paid or transferred reports "
       "no scheduled monthly payment", _W_BK),
    _c("M2-E65", "Bankruptcy-DOFD-1", DOFD, all_of(Blank(DOFD), _cii((*BANKRUPTCY, "R"))),
       "a bankruptcy or reaffirmation indicator with no date of first delinquency", _W_DOFD),
    _c("M2-E66", "Bankruptcy-ECOA-1", CII,
       all_of(is_in(CII, BANKRUPTCY), Some("J1/J2", is_in(J_ECOA, "3"))),
       "a bankruptcy indicator on the base consumer with an authorized user (ECOA 3) in J1/J2",
       _W_BK),
    _c("M2-E67", "CCC-DateClosed-1", CLOSED, all_of(is_in(CCC, "XA"), Blank(CLOSED)),
       "closed at the consumer's request (XA) with no date closed", _W_STATUS),
    _c("M2-E68", "DOAI-DOFD-1", DOAI, Cmp(DOAI, ">", Ref("date_first_delinquency", years=7)),
       "the date of account information is more than 7 years after the date of first "
       "delinquency: the item is past its reporting period", _W_DOFD),
    _c("M2-E69", "DOAI-PaymentAmount-1", PAYMENT, all_of(Blank(DOAI), positive(PAYMENT)),
       "a payment is reported with no date of account information", _W_STATUS),
    _c("M2-E70", "DTCL-DOLP-1", CLOSED,
       all_of(is_in(PORTFOLIO, "I", "M"), is_in(STATUS, PAID), Cmp(CLOSED, "differs", DOLP)),
       "a paid installment or mortgage account's date closed is not its date of last payment",
       _W_STATUS),
    _c("M2-E71", "Deferred-SMPA-1", SMPA,
       all_of(is_in(FREQUENCY, "D"), is_in(STATUS, "11", PAST_DUE, "93"), positive(SMPA)),
       "a deferred account (terms frequency D) reports a scheduled monthly payment", _W_TYPE),
    _c("M2-E72", "ECOA-J1J2-1", ECOA,
       all_of(is_in(ECOA, "X"), no("J1/J2", is_in(J_ECOA, "X"))),
       "the base consumer is reported deceased (ECOA X) and no associated consumer is",
       "a deceased consumer's account must say who, if anyone, remains liable"),
    _c("M2-E73", "Rating-APD-1", APD, all_of(is_in(STATUS, "89"), is_in(RATING, "0"),
                                             positive(APD)),
       "a deed in lieu (89) rated current reports an amount past due", _W_STATUS),
    _c("M2-E74", "Rating-APD-2", APD,
       all_of(is_in(STATUS, "89", "94"), is_in(RATING, ADVERSE), zero(APD)),
       "a deed in lieu or foreclosure (89, 94) rated late reports nothing past due", _W_STATUS),
)  # fmt: skip

PREV_STATUS = prev("account_status")
P_L1_CHANGE, P_L1_NUMBER, P_L1_ID = (Ref(r.name, seg="L1", cycle="previous")
                                    for r in (L1_CHANGE, L1_NUMBER, L1_ID))  # fmt: skip


def _php(pairs: tuple[tuple[tuple[str, ...], str], ...]) -> Pred:
    return all_of(_NO_PREVIOUS_CII, any_of(*(
        all_of(is_in(PREV_STATUS, statuses), not_in(PHP_FIRST, code)) for statuses, code in pairs
    )))  # fmt: skip


_W_PHP = "the payment history's first month repeats what the previous cycle reported; a " \
    "history that disagrees rewrites the consumer's past"  # fmt: skip

CYCLE_TO_CYCLE: tuple[Rule, ...] = (
    _c("M2-P01", "PHP-Status-1", base("payment_history_profile"),
       _php(tuple(((s,), str(i + 1)) for i, s in enumerate(PAST_DUE))),
       "last cycle's past-due status (71-84) is not the first payment history character "
       "(1-6)", _W_PHP),
    _c("M2-P02", "PHP-Status-2", base("payment_history_profile"),
       all_of(_NO_PREVIOUS_CII, is_in(PREV_STATUS, "11"), positive(prev("current_balance")),
              is_in(PORTFOLIO, "C", "O", "R"), not_in(PHP_FIRST, "0")),
       "last cycle's current status with a balance is not the first payment history "
       "character (0)", _W_PHP),
    _c("M2-P03", "PHP-Status-3", base("payment_history_profile"),
       _php((( ("62", "93"), "G"), (("65", "94"), "H"), (("61", "95"), "J"),
             (("63", "96"), "K"), (("64", "97"), "L"))),
       "last cycle's collection, foreclosure, surrender, repossession or charge-off status is "
       "not the first payment history character (G, H, J, K, L)", _W_PHP),
    _each("M2-P04", "PROG-AccountChange-1", "L1", L1_NUMBER,
          Some("L1", all_of(is_in(P_L1_CHANGE, "1", "3"),
                            Cmp(L1_NUMBER, "==", P_L1_NUMBER)), cycle="previous"),
          "the new account number announced last cycle is announced again", _W_CHANGE),
    _each("M2-P05", "PROG-AccountChange-2", "L1", L1_ID,
          Some("L1", all_of(is_in(P_L1_CHANGE, "2", "3"), Cmp(L1_ID, "==", P_L1_ID)),
               cycle="previous"),
          "the new identification number announced last cycle is announced again", _W_CHANGE),
    _c("M2-P06", "PROG-AccountChange-3", base("consumer_account_number"),
       Some("L1", all_of(is_in(P_L1_CHANGE, "1", "3"),
                         Cmp(P_L1_NUMBER, "==", base("consumer_account_number"))),
            cycle="previous"),
       "the account number is the new number last cycle's L1 announced: under account-number "
       "linking the old number should have been kept", _W_CHANGE),
    _c("M2-P07", "PROG-Bankruptcy-1", CII,
       all_of(is_in(prev("consumer_information_indicator"), "V"), is_in(CII, "R")),
       "a reaffirmation rescinded last cycle (V) is reported reaffirmed now (R)", _W_BK),
    _c("M2-P08", "PROG-ChargeOff-1", CHARGE_OFF,
       all_of(is_in(PREV_STATUS, "64", "97"),
              Cmp(CHARGE_OFF, "differs", prev("original_charge_off"))),
       "the original charge-off amount changed after the charge-off", _W_CYCLE),
    _c("M2-P09", "PROG-DateClosed-1", CLOSED,
       all_of(is_in(PORTFOLIO, "I", "M"), present(prev("date_closed")),
              Cmp(CLOSED, "differs", prev("date_closed"))),
       "an installment or mortgage account's date closed changed", _W_CYCLE),
    _c("M2-P10", "PROG-DateOpen-1", OPENED, Cmp(OPENED, "differs", prev("date_opened")),
       "the date opened changed", _W_CYCLE),
    _c("M2-P11", "PROG-DOFD-1", DOFD,
       all_of(is_in(STATUS, ADVERSE_STATUS), is_in(PREV_STATUS, ADVERSE_STATUS),
              Cmp(DOFD, "differs", prev("date_first_delinquency"))),
       "the date of first delinquency moved while the account stayed delinquent (re-aging)",
       _W_DOFD),
    _c("M2-P12", "PROG-DOFD-2", DOFD,
       all_of(is_in(STATUS, "13"), is_in(PREV_STATUS, "13"), not_in(prev("payment_rating"), "0"),
              Cmp(DOFD, "differs", prev("date_first_delinquency"))),
       "the date of first delinquency of a paid account rated late moved", _W_DOFD),
    _c("M2-P13", "PROG-DOFD-3", DOFD,
       all_of(is_in(PREV_STATUS, ADVERSE_STATUS), is_in(STATUS, "11"),
              Cmp(DOFD, "same", prev("date_first_delinquency"))),
       "an account brought current (11) from a delinquent status keeps the date of first "
       "delinquency unchanged", _W_DOFD),
    _c("M2-P14", "PROG-ECOA-1", ECOA,
       all_of(is_in(prev("ecoa_code"), "Z"), not_in(ECOA, "Z"),
              Cmp(base("first_name"), "same", prev("first_name")),
              Cmp(base("surname"), "same", prev("surname"))),
       "a consumer deleted from the account last cycle (ECOA Z) is reported on it again",
       "a consumer removed from an account must not reappear on it without reason"),
    _c("M2-P15", "PROG-Portfolio-1", PORTFOLIO, Cmp(PORTFOLIO, "differs", prev("portfolio_type")),
       "the portfolio type changed", _W_CYCLE),
    _c("M2-P16", "PROG-Rating-1", RATING,
       all_of(is_in(PORTFOLIO, "I", "M"), Cmp(STATUS, "same", PREV_STATUS),
              is_in(STATUS, "05", "13", "62", "65", "88", "89", "94", "95"),
              Cmp(RATING, "differs", prev("payment_rating"))),
       "the payment rating of a closed installment or mortgage account changed", _W_CYCLE),
    _c("M2-P17", "PROG-Status-1", STATUS,
       any_of(all_of(is_in(PREV_STATUS, "71"), is_in(STATUS, "80", "82", "83", "84")),
              all_of(is_in(PREV_STATUS, "78"), is_in(STATUS, "82", "83", "84")),
              all_of(is_in(PREV_STATUS, "80"), is_in(STATUS, "83", "84")),
              all_of(is_in(PREV_STATUS, "82"), is_in(STATUS, "84"))),
       "the delinquency skipped a step between cycles", _W_CYCLE),
    _c("M2-P18", "PROG-Status-2", STATUS,
       all_of(is_in(PREV_STATUS, "89", "94"), is_in(STATUS, "97")),
       "a deed in lieu or foreclosure (89, 94) last cycle is a charge-off (97) now", _W_CYCLE),
    _c("M2-P19", "PROG-Status-3", STATUS,
       all_of(is_in(PREV_STATUS, PAID), Cmp(STATUS, "differs", PREV_STATUS)),
       "a paid account's status changed", _W_CYCLE),
    _c("M2-P20", "PROG-Type-1", TYPE, Cmp(TYPE, "differs", prev("account_type")),
       "the account type changed", _W_CYCLE),
)  # fmt: skip

CATALOGUE: tuple[Rule, ...] = SINGLE_CYCLE + CYCLE_TO_CYCLE
