"""Building credit files for score tests: one account at a time, or at random (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

from hypothesis import strategies as st

from bureau.model import Bankruptcy, CreditFile, Identity, Inquiry, Tradeline
from bureau.score.admissible import ScoringInput
from bureau.score.whatif import add_months

AS_OF = date(2026, 11, 1)
SUBJECT = UUID(int=1)
FURNISHER = UUID(int=2)


def account(
    *, portfolio: str = "R", account_type: str = "18", opened_months: int = 36,
    limit: int | None = 5000, balance: int = 500, status: str = "11",
    history: str = "0" * 24, dofd: date | None = None, closed: date | None = None,
    charge_off: int = 0, highest: int | None = None, ecoa: str = "1",
) -> Tradeline:  # fmt: skip
    return Tradeline(
        subject_id=SUBJECT, tradeline_id=uuid4(), furnisher_id=FURNISHER,
        furnisher_name="Test Bank", account_number="ACCT00001234", portfolio_type=portfolio,
        account_type=account_type, ecoa_code=ecoa,
        date_opened=add_months(AS_OF, -opened_months), date_closed=closed,
        date_last_payment=None, date_first_delinquency=dofd, date_account_information=AS_OF,
        credit_limit=limit if portfolio in {"R", "C"} else None,
        highest_credit=highest if highest is not None else (limit or 0),
        terms_duration=None, terms_frequency="M", scheduled_payment=None, actual_payment=None,
        account_status=status, payment_rating=None, payment_history=history,
        special_comment=None, compliance_condition=None, current_balance=balance,
        amount_past_due=0, original_charge_off=charge_off, consumer_info_indicator=None,
        original_creditor=None, is_collection=account_type in {"48", "0C", "77"},
        updated_at=datetime.combine(AS_OF, time(), UTC),
    )  # fmt: skip


def collection(balance: int = 900, dofd: date | None = None) -> Tradeline:
    return account(
        portfolio="O", account_type="48", limit=None, balance=balance, status="93",
        opened_months=12, dofd=dofd or add_months(AS_OF, -18), highest=balance,
    )  # fmt: skip


def bankruptcy(filed: date) -> Bankruptcy:
    return Bankruptcy(
        subject_id=SUBJECT, bankruptcy_id=uuid4(), chapter="7", court="U.S. Bankruptcy Court",
        case_number="20-12345", date_filed=filed, disposition="discharged",
        date_disposition=filed + timedelta(days=120), reported_by=None, reported_by_name=None,
    )  # fmt: skip


def hard_inquiry(days_ago: int) -> Inquiry:
    return Inquiry(
        subject_id=SUBJECT, inquiry_id=uuid4(), requester_org_id=FURNISHER,
        requester_name="Lender", purpose="credit-transaction", kind="hard", grant_id=None,
        report_id=None, created_at=datetime.combine(AS_OF, time(12), UTC) - timedelta(days=days_ago),
    )  # fmt: skip


def credit_file(
    tradelines: list[Tradeline], bankruptcies: list[Bankruptcy] | None = None,
    inquiries: list[Inquiry] | None = None, identity: Identity | None = None,
) -> CreditFile:  # fmt: skip
    return CreditFile(
        subject_id=SUBJECT, identity=identity or Identity(names=["Test Person"]),
        tradelines=tradelines, bankruptcies=bankruptcies or [], inquiries=inquiries or [],
        fraud_alerts=[], frozen=False, as_of=datetime.combine(AS_OF, time(12), UTC),
    )  # fmt: skip


def scoring_input(tradelines: list[Tradeline], inquiries: list[Inquiry] | None = None,
                  bankruptcies: list[Bankruptcy] | None = None) -> ScoringInput:  # fmt: skip
    return ScoringInput(
        as_of=AS_OF, tradelines=tuple(tradelines), bankruptcies=tuple(bankruptcies or []),
        inquiries=tuple(inquiries or []),
    )  # fmt: skip


HISTORY_CODES = "000000000EEB123456GL"
STATUSES = ["11", "11", "11", "11", "13", "71", "78", "80", "97", "64"]


@st.composite
def tradelines(draw: st.DrawFn) -> Tradeline:
    kind = draw(st.sampled_from(["R", "R", "I", "M", "C"]))
    limit = draw(st.integers(0, 50_000))
    status = draw(st.sampled_from(STATUSES))
    opened = draw(st.integers(0, 360))
    t = account(
        portfolio=kind, account_type={"R": "18", "C": "15", "I": "00", "M": "26"}[kind],
        opened_months=opened, limit=limit, balance=draw(st.integers(0, 60_000)), status=status,
        history=draw(st.text(alphabet=HISTORY_CODES, min_size=24, max_size=24)),
        dofd=add_months(AS_OF, -draw(st.integers(1, 120))) if status != "11" else None,
        closed=AS_OF if status in {"13", "97", "64"} else None,
        charge_off=limit if status in {"97", "64"} else 0,
        highest=draw(st.integers(1, 300_000)),
    )  # fmt: skip
    return t


@st.composite
def inputs(draw: st.DrawFn) -> ScoringInput:
    lines = draw(st.lists(tradelines(), min_size=1, max_size=8))
    if draw(st.booleans()):
        lines.append(collection(draw(st.integers(0, 5000))))
    inquiries = [hard_inquiry(d) for d in draw(st.lists(st.integers(0, 700), max_size=8))]
    bks = [
        bankruptcy(add_months(AS_OF, -m)) for m in draw(st.lists(st.integers(0, 110), max_size=1))
    ]
    return scoring_input(lines, inquiries, bks)


def with_history(t: Tradeline, history: str) -> Tradeline:
    return replace(t, payment_history=history)
