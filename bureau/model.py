"""The credit file's domain objects: plain dataclasses, no SQL, no HTTP.

Money is whole dollars (int), as Metro 2 reports it. Codes are kept as the Metro 2 codes;
their meanings live in the code tables, so a report can show words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Identity:
    """The subject's identity as decrypted from the vault (only ever in memory)."""

    names: list[str] = field(default_factory=list)
    national_ids: list[str] = field(default_factory=list)
    dates_of_birth: list[date] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    superseded: list[tuple[str, str]] = field(default_factory=list)
    """(kind, value) facts still held but no longer current, e.g. removed by an identity
    dispute: shown to the subject (everything held), never to a user."""


@dataclass(frozen=True)
class Tradeline:
    subject_id: UUID
    tradeline_id: UUID
    furnisher_id: UUID
    furnisher_name: str
    account_number: str
    portfolio_type: str
    account_type: str
    ecoa_code: str
    date_opened: date
    date_closed: date | None
    date_last_payment: date | None
    date_first_delinquency: date | None
    date_account_information: date
    credit_limit: int | None
    highest_credit: int | None
    terms_duration: str | None
    terms_frequency: str | None
    scheduled_payment: int | None
    actual_payment: int | None
    account_status: str
    payment_rating: str | None
    payment_history: str
    special_comment: str | None
    compliance_condition: str | None
    current_balance: int
    amount_past_due: int
    original_charge_off: int
    consumer_info_indicator: str | None
    original_creditor: str | None
    is_collection: bool
    updated_at: datetime
    # K2/K3/K4 as furnished (purchased from/sold to, mortgage ids, balloon/deferred payments),
    # keyed by segment; see bureau.furnishing.details
    account_details: dict[str, Any] | None = None

    @property
    def account_number_masked(self) -> str:
        """Last four characters only, as bureaus print account numbers on disclosures."""
        tail = self.account_number[-4:]
        return "*" * max(len(self.account_number) - 4, 0) + tail


@dataclass(frozen=True)
class Bankruptcy:
    subject_id: UUID
    bankruptcy_id: UUID
    chapter: str
    court: str
    case_number: str
    date_filed: date
    disposition: str
    date_disposition: date | None
    reported_by: UUID | None
    reported_by_name: str | None


@dataclass(frozen=True)
class Inquiry:
    subject_id: UUID
    inquiry_id: UUID
    requester_org_id: UUID | None
    requester_name: str | None
    purpose: str
    kind: str
    grant_id: UUID | None
    report_id: UUID | None
    created_at: datetime


@dataclass(frozen=True)
class FraudAlert:
    alert_id: UUID
    kind: str
    placed_at: datetime
    expires_at: datetime
    contact: str | None


@dataclass(frozen=True)
class Statement:
    """The subject's own statement on a disputed item (FCRA §611(b)), shown with the item.

    Carries its own id and the dispute it came from because the disclosure and reports show
    them: the file read is the one read of statements a request makes.
    """

    statement_id: UUID
    item_kind: str
    item_id: UUID
    dispute_id: UUID | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CreditFile:
    """Everything held about one subject, as assembled for a disclosure or a report."""

    subject_id: UUID
    identity: Identity
    tradelines: list[Tradeline]
    bankruptcies: list[Bankruptcy]
    inquiries: list[Inquiry]
    fraud_alerts: list[FraudAlert]
    frozen: bool
    as_of: datetime
    statements: list[Statement] = field(default_factory=list)
