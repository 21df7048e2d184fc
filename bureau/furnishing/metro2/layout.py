"""The Metro 2 character-format layouts: one field table per record and segment.

The parser slices and decodes with these tables, the writer encodes with them and the
validator checks against them, so a field's position is written down exactly once.
Positions are 1-based and inclusive, as the CRRG prints them; they were checked against the
published tables of moov-io/metro2 (`pkg/lib/specifications.go`) and the CFPB's evaluator
(`parse_m2/fields.py`), and against the decoded fixtures in tests/furnishing/data.

Field types:
  A  alphanumeric: left-justified, blank-filled
  N  numeric: right-justified, zero-filled digits (money in whole dollars)
  D  date MMDDYYYY: zero-filled (or blank) when absent
  T  timestamp MMDDYYYYHHMMSS
Requiredness: "required" (must hold a value), "applicable" (required when the account's
situation calls for it: checked by the consistency rules), "optional".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FieldType = Literal["A", "N", "D", "T"]
Requirement = Literal["required", "applicable", "optional"]


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, within its segment
    length: int
    type: FieldType
    required: Requirement = "optional"
    codes: str | None = None  # name of the code table in codes.py
    label: str = ""
    blank_ok: bool = False  # N/D fields: blanks read as "not reported" rather than an error
    slice: slice = field(init=False, repr=False, compare=False)  # where it sits in the text

    def __post_init__(self) -> None:
        object.__setattr__(self, "slice", slice(self.start - 1, self.start - 1 + self.length))

    @property
    def end(self) -> int:
        return self.start + self.length - 1


@dataclass(frozen=True)
class Layout:
    """A record or segment: its identifier (e.g. 'base', 'J1'), total length and fields."""

    kind: str
    length: int
    fields: tuple[Field, ...]
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        position = 1
        for f in self.fields:
            if f.start != position:
                raise ValueError(f"{self.kind}.{f.name} starts at {f.start}, expected {position}")
            position += f.length
        if position - 1 != self.length:
            raise ValueError(f"{self.kind} fields cover {position - 1} bytes, not {self.length}")

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]


def _fields(*spec: tuple[Any, ...]) -> tuple[Field, ...]:
    """Build fields from (name, length, type, required, codes, label, blank_ok) rows,
    computing each start from the previous field so positions cannot drift apart."""
    out: list[Field] = []
    start = 1
    for row in spec:
        name, length, ftype, required, codes, label, *rest = row
        out.append(
            Field(
                name=name,
                start=start,
                length=length,
                type=ftype,
                required=required,
                codes=codes,
                label=label,
                blank_ok=bool(rest and rest[0]),
            )
        )
        start += length
    return tuple(out)


RQ: Requirement = "required"
AP: Requirement = "applicable"
OP: Requirement = "optional"

HEADER = Layout(
    "header",
    426,
    _fields(
        ("record_descriptor_word", 4, "N", RQ, None, "Record Descriptor Word"),
        ("record_identifier", 6, "A", RQ, None, "Record Identifier"),
        ("cycle_identifier", 2, "A", OP, None, "Cycle Identifier"),
        ("innovis_program_identifier", 10, "A", OP, None, "Innovis Program Identifier"),
        ("equifax_program_identifier", 10, "A", OP, None, "Equifax Program Identifier"),
        ("experian_program_identifier", 5, "A", OP, None, "Experian Program Identifier"),
        ("transunion_program_identifier", 10, "A", OP, None, "TransUnion Program Identifier"),
        ("activity_date", 8, "D", RQ, None, "Activity Date"),
        ("date_created", 8, "D", RQ, None, "Date Created"),
        ("program_date", 8, "D", OP, None, "Program Date", True),
        ("program_revision_date", 8, "D", OP, None, "Program Revision Date", True),
        ("reporter_name", 40, "A", RQ, None, "Reporter Name"),
        ("reporter_address", 96, "A", RQ, None, "Reporter Address"),
        ("reporter_telephone", 10, "N", OP, None, "Reporter Telephone Number", True),
        ("software_vendor_name", 40, "A", OP, None, "Software Vendor Name"),
        ("software_version", 5, "A", OP, None, "Software Version Number"),
        ("prbc_program_identifier", 10, "A", OP, None, "MicroBilt/PRBC Program Identifier"),
        ("reserved", 146, "A", OP, None, "Reserved"),
    ),
)

BASE = Layout(
    "base",
    426,
    _fields(
        ("record_descriptor_word", 4, "N", RQ, None, "Record Descriptor Word"),
        ("processing_indicator", 1, "N", RQ, None, "Processing Indicator"),
        ("time_stamp", 14, "T", RQ, None, "Time Stamp"),
        ("correction_indicator", 1, "N", OP, "correction_indicator", "Correction Indicator", True),
        ("identification_number", 20, "A", RQ, None, "Identification Number"),
        ("cycle_identifier", 2, "A", OP, None, "Cycle Identifier"),
        ("consumer_account_number", 30, "A", RQ, None, "Consumer Account Number"),
        ("portfolio_type", 1, "A", RQ, "portfolio_type", "Portfolio Type"),
        ("account_type", 2, "A", RQ, "account_type", "Account Type"),
        ("date_opened", 8, "D", RQ, None, "Date Opened"),
        ("credit_limit", 9, "N", AP, None, "Credit Limit"),
        ("highest_credit", 9, "N", AP, None, "Highest Credit or Original Loan Amount"),
        ("terms_duration", 3, "A", RQ, None, "Terms Duration"),
        ("terms_frequency", 1, "A", AP, "terms_frequency", "Terms Frequency"),
        ("scheduled_payment", 9, "N", AP, None, "Scheduled Monthly Payment Amount"),
        ("actual_payment", 9, "N", AP, None, "Actual Payment Amount"),
        ("account_status", 2, "A", RQ, "account_status", "Account Status"),
        ("payment_rating", 1, "A", AP, "payment_rating", "Payment Rating"),
        ("payment_history_profile", 24, "A", RQ, "payment_history", "Payment History Profile"),
        ("special_comment", 2, "A", OP, "special_comment", "Special Comment"),
        (
            "compliance_condition",
            2,
            "A",
            OP,
            "compliance_condition",
            "Compliance Condition Code",
        ),
        ("current_balance", 9, "N", RQ, None, "Current Balance"),
        ("amount_past_due", 9, "N", AP, None, "Amount Past Due"),
        ("original_charge_off", 9, "N", AP, None, "Original Charge-off Amount"),
        ("date_account_information", 8, "D", RQ, None, "Date of Account Information"),
        ("date_first_delinquency", 8, "D", AP, None, "FCRA Compliance/Date of First Delinquency"),
        ("date_closed", 8, "D", AP, None, "Date Closed"),
        ("date_last_payment", 8, "D", AP, None, "Date of Last Payment"),
        ("interest_type", 1, "A", OP, "interest_type", "Interest Type Indicator"),
        ("reserved", 17, "A", OP, None, "Reserved"),
        ("surname", 25, "A", RQ, None, "Surname"),
        ("first_name", 20, "A", RQ, None, "First Name"),
        ("middle_name", 20, "A", OP, None, "Middle Name"),
        ("generation_code", 1, "A", OP, "generation_code", "Generation Code"),
        ("ssn", 9, "N", AP, None, "Social Security Number", True),
        ("date_of_birth", 8, "D", AP, None, "Date of Birth", True),
        ("telephone", 10, "N", OP, None, "Telephone Number", True),
        ("ecoa_code", 1, "A", RQ, "ecoa", "ECOA Code"),
        (
            "consumer_information_indicator",
            2,
            "A",
            OP,
            "consumer_information_indicator",
            "Consumer Information Indicator",
        ),
        ("country_code", 2, "A", OP, None, "Country Code"),
        ("address_line_1", 32, "A", RQ, None, "First Line of Address"),
        ("address_line_2", 32, "A", OP, None, "Second Line of Address"),
        ("city", 20, "A", RQ, None, "City"),
        ("state", 2, "A", RQ, "state", "State"),
        ("postal_code", 9, "A", RQ, None, "Postal/Zip Code"),
        ("address_indicator", 1, "A", OP, "address_indicator", "Address Indicator"),
        ("residence_code", 1, "A", OP, "residence_code", "Residence Code"),
    ),
)

TRAILER_STATUS_CODES: tuple[str, ...] = (
    "DF", "DA", "05", "11", "13", "61", "62", "63", "64", "65", "71", "78", "80", "82",
    "83", "84", "88", "89", "93", "94", "95", "96", "97",
)  # fmt: skip


def _trailer() -> Layout:
    def total(name: str, label: str) -> tuple[Any, ...]:
        return (name, 9, "N", OP, None, label)

    status = {c: total(f"total_status_{c.lower()}", f"Total Status Code {c}") for c in
              TRAILER_STATUS_CODES}  # fmt: skip
    return Layout(
        "trailer",
        426,
        _fields(
            ("record_descriptor_word", 4, "N", RQ, None, "Record Descriptor Word"),
            ("record_identifier", 7, "A", RQ, None, "Record Identifier"),
            ("total_base_records", 9, "N", RQ, None, "Total Base Records"),
            ("reserved_1", 9, "A", OP, None, "Reserved"),
            status["DF"],
            total("total_j1_segments", "Total Associated Consumer Segments (J1)"),
            total("total_j2_segments", "Total Associated Consumer Segments (J2)"),
            total("block_count", "Block Count"),
            *(status[c] for c in TRAILER_STATUS_CODES[1:]),
            total("total_ecoa_z", "Total ECOA Code Z"),
            total("total_n1_segments", "Total Employment Segments (N1)"),
            total("total_k1_segments", "Total Original Creditor Name Segments (K1)"),
            total("total_k2_segments", "Total Purchased From/Sold To Segments (K2)"),
            total("total_k3_segments", "Total Mortgage Information Segments (K3)"),
            total("total_k4_segments", "Total Specialized Payment Information Segments (K4)"),
            total("total_l1_segments", "Total Account Number/Identification Change Segments (L1)"),
            total("total_ssn_all", "Total Social Security Numbers, all segments"),
            total("total_ssn_base", "Total Social Security Numbers, base segments"),
            total("total_ssn_j1", "Total Social Security Numbers, J1 segments"),
            total("total_ssn_j2", "Total Social Security Numbers, J2 segments"),
            total("total_dob_all", "Total Dates of Birth, all segments"),
            total("total_dob_base", "Total Dates of Birth, base segments"),
            total("total_dob_j1", "Total Dates of Birth, J1 segments"),
            total("total_dob_j2", "Total Dates of Birth, J2 segments"),
            total("total_telephone_all", "Total Telephone Numbers, all segments"),
            ("reserved_2", 19, "A", OP, None, "Reserved"),
        ),
    )


TRAILER = _trailer()

_ASSOCIATED_PERSON = (
    ("reserved_1", 1, "A", OP, None, "Reserved"),
    ("surname", 25, "A", RQ, None, "Surname"),
    ("first_name", 20, "A", RQ, None, "First Name"),
    ("middle_name", 20, "A", OP, None, "Middle Name"),
    ("generation_code", 1, "A", OP, "generation_code", "Generation Code"),
    ("ssn", 9, "N", AP, None, "Social Security Number", True),
    ("date_of_birth", 8, "D", AP, None, "Date of Birth", True),
    ("telephone", 10, "N", OP, None, "Telephone Number", True),
    ("ecoa_code", 1, "A", RQ, "ecoa", "ECOA Code"),
    (
        "consumer_information_indicator",
        2,
        "A",
        OP,
        "consumer_information_indicator",
        "Consumer Information Indicator",
    ),
)
_SEGMENT_ID = ("segment_identifier", 2, "A", RQ, None, "Segment Identifier")

J1 = Layout(
    "J1",
    100,
    _fields(_SEGMENT_ID, *_ASSOCIATED_PERSON, ("reserved_2", 1, "A", OP, None, "Reserved")),
)
J2 = Layout(
    "J2",
    200,
    _fields(
        _SEGMENT_ID,
        *_ASSOCIATED_PERSON,
        ("country_code", 2, "A", OP, None, "Country Code"),
        ("address_line_1", 32, "A", RQ, None, "First Line of Address"),
        ("address_line_2", 32, "A", OP, None, "Second Line of Address"),
        ("city", 20, "A", RQ, None, "City"),
        ("state", 2, "A", RQ, "state", "State"),
        ("postal_code", 9, "A", RQ, None, "Postal/Zip Code"),
        ("address_indicator", 1, "A", OP, "address_indicator", "Address Indicator"),
        ("residence_code", 1, "A", OP, "residence_code", "Residence Code"),
        ("reserved_2", 2, "A", OP, None, "Reserved"),
    ),
)
K1 = Layout(
    "K1",
    34,
    _fields(
        _SEGMENT_ID,
        ("original_creditor_name", 30, "A", RQ, None, "Original Creditor Name"),
        (
            "creditor_classification",
            2,
            "N",
            RQ,
            "creditor_classification",
            "Creditor Classification",
        ),
    ),
)
K2 = Layout(
    "K2",
    34,
    _fields(
        _SEGMENT_ID,
        (
            "purchased_sold_indicator",
            1,
            "N",
            RQ,
            "purchased_sold",
            "Purchased From/Sold To Indicator",
        ),
        ("purchased_sold_name", 30, "A", AP, None, "Purchased From/Sold To Name"),
        ("reserved", 1, "A", OP, None, "Reserved"),
    ),
)
K3 = Layout(
    "K3",
    40,
    _fields(
        _SEGMENT_ID,
        ("agency_identifier", 2, "N", AP, "agency_identifier", "Agency Identifier"),
        ("agency_account_number", 18, "A", AP, None, "Account Number"),
        ("mortgage_identification_number", 18, "A", OP, None, "Mortgage Identification Number"),
    ),
)
K4 = Layout(
    "K4",
    30,
    _fields(
        _SEGMENT_ID,
        (
            "specialized_payment_indicator",
            2,
            "N",
            RQ,
            "specialized_payment",
            "Specialized Payment Indicator",
        ),
        ("deferred_payment_start_date", 8, "D", AP, None, "Deferred Payment Start Date", True),
        ("balloon_payment_due_date", 8, "D", AP, None, "Balloon Payment Due Date", True),
        ("balloon_payment_amount", 9, "N", AP, None, "Balloon Payment Amount", True),
        ("reserved", 1, "A", OP, None, "Reserved"),
    ),
)
L1 = Layout(
    "L1",
    54,
    _fields(
        _SEGMENT_ID,
        ("change_indicator", 1, "N", RQ, "change_indicator", "Change Indicator"),
        ("new_consumer_account_number", 30, "A", AP, None, "New Consumer Account Number"),
        ("new_identification_number", 20, "A", AP, None, "New Identification Number"),
        ("reserved", 1, "A", OP, None, "Reserved"),
    ),
)
N1 = Layout(
    "N1",
    146,
    _fields(
        _SEGMENT_ID,
        ("employer_name", 30, "A", RQ, None, "Employer Name"),
        ("employer_address_line_1", 32, "A", OP, None, "First Line of Employer Address"),
        ("employer_address_line_2", 32, "A", OP, None, "Second Line of Employer Address"),
        ("employer_city", 20, "A", OP, None, "Employer City"),
        ("employer_state", 2, "A", OP, "state", "Employer State"),
        ("employer_postal_code", 9, "A", OP, None, "Employer Postal/Zip Code"),
        ("occupation", 18, "A", OP, None, "Occupation"),
        ("reserved", 1, "A", OP, None, "Reserved"),
    ),
)

RECORDS: dict[str, Layout] = {"header": HEADER, "base": BASE, "trailer": TRAILER}
APPENDED: dict[str, Layout] = {s.kind: s for s in (J1, J2, K1, K2, K3, K4, L1, N1)}
LAYOUTS: dict[str, Layout] = {**RECORDS, **APPENDED}
