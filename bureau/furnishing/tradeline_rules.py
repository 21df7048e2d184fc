"""The Metro 2 field and consistency rules over a stored account's values, for the ways an
account changes without a Metro 2 record (a furnisher's dispute answer): the values are
written as the base record they stand for and checked by the same `check_record`, so every
way in meets the same rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bureau.furnishing.export import BASE_NAMES, base_record
from bureau.furnishing.metro2.validate import Problem, check_record

# Stands in for the identity and framing fields a stored account does not carry: only the
# account's own fields are judged (see `new_problems`).
_FRAMING: dict[str, Any] = {
    "processing_indicator": 1, "time_stamp": datetime(2000, 1, 1),
    "identification_number": "ACCOUNT", "consumer_account_number": "ACCOUNT",
    "surname": "ACCOUNT", "first_name": "ACCOUNT", "ssn": 123456789,
    "address_line_1": "ACCOUNT", "city": "ACCOUNT", "state": "WY", "postal_code": "82601",
}  # fmt: skip
COLUMN_OF = {metro2: column for column, metro2 in BASE_NAMES.items()} | {
    "original_creditor_name": "original_creditor",
}


def _findings(values: Mapping[str, Any]) -> dict[tuple[str, str], Problem]:
    record = base_record(_FRAMING, values)
    record.number = 1
    found: dict[tuple[str, str], Problem] = {}
    for problem in check_record(record):
        if problem.field is not None:
            column = COLUMN_OF.get(problem.field, problem.field)
            found.setdefault((problem.rule, column), problem)
    return found


def new_problems(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[str]]:
    """The rejecting problems the changed values have that the stored ones did not, by column:
    each as `reason (rule)`. A correction is judged by what it makes wrong, not by what was
    already; a finding for review (a CFPB evaluator hit) does not stop it, as it does not stop
    a furnished record from landing."""
    known = _findings(before)
    out: dict[str, list[str]] = {}
    for (rule, column), problem in _findings(after).items():
        if problem.rejects and (rule, column) not in known:
            out.setdefault(column, []).append(f"{problem.reason} ({rule})")
    return out
