"""The admissibility gate: only financial data categories enter a file (DESIGN.md).

Every field a furnisher may send belongs to a data category; the live regime lists the
categories it admits (`[data] admissible` in the regime file). A field whose category is not
admitted, or that belongs to no category at all, is refused with an error naming it, and
nothing from that request is stored. Pure: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bureau.errors import Inadmissible

IDENTITY = (
    "surname", "first_name", "middle_name", "generation_code", "ssn", "date_of_birth",
    "telephone", "country_code", "address_line_1", "address_line_2", "city", "state",
    "postal_code", "address_indicator", "residence_code",
)  # fmt: skip
TRADELINE = (
    "consumer_account_number", "cycle_identifier", "correction_indicator", "portfolio_type",
    "account_type", "date_opened", "credit_limit", "highest_credit", "terms_duration",
    "terms_frequency", "scheduled_payment", "actual_payment", "account_status", "payment_rating",
    "payment_history_profile", "special_comment", "compliance_condition", "current_balance",
    "amount_past_due", "original_charge_off", "date_account_information",
    "date_first_delinquency", "date_closed", "date_last_payment", "interest_type", "ecoa_code",
    "consumer_information_indicator",
    # K2 (purchased from / sold to), K3 (mortgage), K4 (specialized payment), L1 (new number)
    "purchased_sold_indicator", "purchased_sold_name", "agency_identifier",
    "agency_account_number", "mortgage_identification_number", "specialized_payment_indicator",
    "deferred_payment_start_date", "balloon_payment_due_date", "balloon_payment_amount",
    "change_indicator", "new_consumer_account_number", "new_identification_number",
)  # fmt: skip
# A record's associated consumers (J1/J2): a list of objects with these fields and a segment.
ASSOCIATED_FIELD = "associated_consumers"
COLLECTION = ("original_creditor_name", "creditor_classification")
EMPLOYMENT = (
    "employer_name", "employer_address_line_1", "employer_address_line_2", "employer_city",
    "employer_state", "employer_postal_code", "occupation", "income", "employer",
)  # fmt: skip

CATEGORY_OF: dict[str, str] = {
    **dict.fromkeys(IDENTITY, "identity"),
    **dict.fromkeys(TRADELINE, "tradeline"),
    **dict.fromkeys(COLLECTION, "collection"),
    **dict.fromkeys(EMPLOYMENT, "employment"),
    ASSOCIATED_FIELD: "identity",
}
# Metro 2 segments and the category their data belongs to (N1 is employment).
SEGMENT_CATEGORY: dict[str, str] = {
    "J1": "identity", "J2": "identity", "K1": "collection", "K2": "tradeline",
    "K3": "tradeline", "K4": "tradeline", "L1": "tradeline", "N1": "employment",
}  # fmt: skip

# Words that mark data the bureau must never hold, with the reason given back to the sender.
_PROHIBITED_BASES = (
    "race", "color", "colour", "religion", "national_origin", "nationality", "ethnicity", "sex",
    "gender", "marital_status", "married", "spouse", "age", "public_assistance", "welfare",
    "benefits_recipient", "disability", "pregnancy", "sexual_orientation",
)  # fmt: skip
_NON_FINANCIAL = (
    "traffic", "social_media", "social", "political", "party", "protest", "petition", "moral",
    "family_planning", "children", "birth", "health", "medical_condition", "diagnosis", "location",
    "gps", "relationship", "friends", "contacts", "volunteer", "blood_donation", "jaywalking",
    "court_judgment", "litigation", "tax", "fine", "charity", "behaviour", "behavior", "score",
)  # fmt: skip


def _why(name: str, category: str | None, admitted: Iterable[str]) -> str:
    key = name.lower()
    allowed = ", ".join(sorted(admitted))
    if any(word == key or key.startswith(word + "_") for word in _PROHIBITED_BASES):
        return (
            f"'{name}' is a basis the Equal Credit Opportunity Act forbids in credit decisions; "
            "a financial-only bureau never holds it"
        )
    if category is None and any(word in key for word in _NON_FINANCIAL):
        return f"'{name}' is non-financial behaviour; it is never part of a credit file"
    if category is None:
        return f"'{name}' is not a field of a furnished account (admitted categories: {allowed})"
    return f"'{name}' is {category} data; the live regime admits only: {allowed}"


def check_record(record: Mapping[str, Any], admitted: frozenset[str], *, index: int = 0) -> None:
    """Raise Inadmissible naming the first field outside the admitted categories (inside an
    associated consumer too)."""
    for path, name in _fields(record, f"records[{index}]"):
        category = CATEGORY_OF.get(name)
        if category is None or category not in admitted:
            raise Inadmissible(
                f"record {index}: {_why(name, category, admitted)}; nothing was stored",
                field=path,
                record=index,
                category=category,
            )


def _fields(record: Mapping[str, Any], at: str) -> Iterable[tuple[str, str]]:
    """(path, name) of every field of a record, its associated consumers' included."""
    for name, value in record.items():
        yield f"{at}.{name}", name
        if name == ASSOCIATED_FIELD and isinstance(value, list):
            for n, person in enumerate(value):
                if isinstance(person, Mapping):
                    yield from ((f"{at}.{name}[{n}].{k}", k) for k in person if k != "segment")


def check_records(records: Iterable[Mapping[str, Any]], admitted: frozenset[str]) -> None:
    """Refuse the whole batch if any record carries an inadmissible field."""
    for index, record in enumerate(records):
        check_record(record, admitted, index=index)
