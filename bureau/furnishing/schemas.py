"""Request and response models for the furnishing API (the edge only)."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.inputs import RequestBody

MAX_JSON_RECORDS = 1_000
"""A JSON batch answers within a request's time; bulk furnishing is a Metro 2 upload."""

EXAMPLE_RECORD: dict[str, Any] = {
    "consumer_account_number": "ACCT0000000001", "portfolio_type": "I", "account_type": "00",
    "date_opened": "2025-02-28", "date_account_information": "2026-10-31",
    "terms_duration": "072", "terms_frequency": "M", "account_status": "11",
    "payment_history_profile": "000000000000000000000000", "ecoa_code": "1",
    "credit_limit": 0, "highest_credit": 16800, "scheduled_payment": 350, "actual_payment": 350,
    "current_balance": 3277, "amount_past_due": 0, "original_charge_off": 0,
    "date_last_payment": "2026-10-07", "correction_indicator": 0,
    "surname": "SOUZA", "first_name": "ANA", "middle_name": "", "ssn": 123456789,
    "date_of_birth": "1988-04-02", "telephone": 2175550123, "country_code": "US",
    "address_line_1": "12 ELM ST", "city": "SPRINGFIELD", "state": "IL", "postal_code": "62701",
    "address_indicator": "Y", "residence_code": "O",
}  # fmt: skip
"""One installment account as a JSON record (the example in the OpenAPI)."""


class FurnishRecords(RequestBody):
    """Accounts as JSON: each record holds Metro 2 base-segment fields by name (dates as
    YYYY-MM-DD, amounts in whole dollars), plus `original_creditor_name` and
    `creditor_classification` for collections. Fields outside the admitted financial data
    categories refuse the whole request."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"records": [EXAMPLE_RECORD]}]})
    records: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_JSON_RECORDS,
        description=f"at most {MAX_JSON_RECORDS} per request; send a Metro 2 file for more",
    )


# What the furnishing routes answer. Documentation of `IngestReport.to_json()` and the preflight
# check's body: the routes send those dicts as they are (`extra="allow"`: a field the report
# gains is sent, and stays valid, before it is added here).


class MetroProblem(BaseModel):
    """One thing wrong with a record (`bureau.furnishing.metro2.validate.Problem`)."""

    model_config = ConfigDict(extra="allow")
    record: int
    segment: str
    field: str | None
    start: int | None = Field(description="1-based position in the segment (CRRG numbering)")
    end: int | None
    offset: int | None = Field(description="0-based byte offset of the field in the file")
    value: str | None
    rule: str = Field(description="the rule's id (docs/metro2.md)")
    reason: str
    severity: Literal["reject", "review"]


class RecordProblems(BaseModel):
    model_config = ConfigDict(extra="allow")
    record: int
    account: str = Field(description="your own account number, to find the record")
    problems: list[MetroProblem]


class IngestReportOut(BaseModel):
    """What became of every record sent (`bureau.furnishing.report.IngestReport`)."""

    model_config = ConfigDict(extra="allow")
    batch_id: UUID
    furnisher_id: UUID
    source: str
    digest: str = Field(description="SHA-256 of what was sent: the same file twice is a duplicate")
    duplicate: bool
    records: int
    accepted: int
    rejected: int
    control: int = Field(description="headers and trailers")
    unreadable: int
    subjects_created: int
    matched: dict[str, int]
    associated: dict[str, int]
    tradelines: dict[str, int]
    renumbered: int
    not_stored: dict[str, int]
    rejections: list[RecordProblems]
    flagged: int
    findings: list[RecordProblems]
    file_problems: list[MetroProblem]
    not_listed: int = Field(description="rejections and problems beyond those listed")


class PreflightOut(BaseModel):
    """A Metro 2 file checked without storing anything."""

    model_config = ConfigDict(extra="allow")
    records: int
    with_problems: int
    control: int
    unreadable: int
    problems_found: int
    problems: list[MetroProblem] = Field(description="the first problems found")
    stored: Literal[False]
