"""What can be disputed, why, and what a furnisher may correct: the dispute's vocabulary as data.

Why a table: the subject's form, the furnisher's inbox and the validation of corrections must
agree on the same reason codes and field names; one table keeps them from drifting. Reason codes
follow the spirit of e-OSCAR's dispute codes, in words a person can read.

Pure: no database, no web framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bureau.errors import InvalidInput

#: API item kinds -> the `disputes.item_kind` stored.
ITEM_KINDS: dict[str, str] = {
    "account": "tradeline",
    "bankruptcy": "bankruptcy",
    "inquiry": "inquiry",
    "identity": "identity",
}
API_KIND = {stored: api for api, stored in ITEM_KINDS.items()}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    kinds: frozenset[str]  # stored item kinds the reason applies to


_ALL = frozenset(ITEM_KINDS.values())
REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason("not-mine", "Not mine: this is not my account or record", frozenset(
            {"tradeline", "bankruptcy", "inquiry"})),
        Reason("identity-theft", "Opened or made by someone using my identity", frozenset(
            {"tradeline", "inquiry"})),
        Reason("inaccurate-late", "I was not late as reported", frozenset({"tradeline"})),
        Reason("inaccurate-balance", "The balance or amount past due is wrong", frozenset(
            {"tradeline"})),
        Reason("inaccurate-status", "The account status is wrong (paid, closed, settled…)",
               frozenset({"tradeline"})),
        Reason("inaccurate-dates", "A date is wrong", frozenset({"tradeline", "bankruptcy"})),
        Reason("obsolete", "Too old to be reported", frozenset({"tradeline", "bankruptcy"})),
        Reason("duplicate", "The same account is reported twice", frozenset({"tradeline"})),
        Reason("not-authorised", "I did not authorise this inquiry", frozenset({"inquiry"})),
        Reason("identity-incorrect", "This identity detail is not mine or is wrong",
               frozenset({"identity"})),
        Reason("other", "Something else (described in my own words)", _ALL),
    )
}  # fmt: skip


# Correctable tradeline fields: name -> kind of value. A field dispute names one of these, and
# a furnisher's "modified" answer may change only these.
_DATE, _MONEY, _CODE, _TEXT = "date", "money", "code", "text"
TRADELINE_FIELDS: dict[str, tuple[str, int | None]] = {
    "date_opened": (_DATE, None),
    "date_closed": (_DATE, None),
    "date_last_payment": (_DATE, None),
    "date_first_delinquency": (_DATE, None),
    "credit_limit": (_MONEY, None),
    "highest_credit": (_MONEY, None),
    "scheduled_payment": (_MONEY, None),
    "actual_payment": (_MONEY, None),
    "current_balance": (_MONEY, None),
    "amount_past_due": (_MONEY, None),
    "original_charge_off": (_MONEY, None),
    "account_status": (_CODE, 2),
    "payment_rating": (_CODE, 1),
    "payment_history": (_CODE, 24),
    "ecoa_code": (_CODE, 1),
    "special_comment": (_TEXT, None),
    "compliance_condition": (_TEXT, None),
    "original_creditor": (_TEXT, None),
}
BANKRUPTCY_FIELDS: dict[str, tuple[str, int | None]] = {
    "chapter": (_CODE, None),
    "disposition": (_CODE, None),
    "date_disposition": (_DATE, None),
    "date_filed": (_DATE, None),
    "court": (_TEXT, None),
    "case_number": (_TEXT, None),
}
CORRECTABLE: dict[str, dict[str, tuple[str, int | None]]] = {
    "tradeline": TRADELINE_FIELDS,
    "bankruptcy": BANKRUPTCY_FIELDS,
}
# Columns the database requires on every row: a correction cannot blank them.
_REQUIRED = frozenset(
    {"date_opened", "account_status", "payment_history", "ecoa_code", "current_balance",
     "amount_past_due", "original_charge_off", "chapter", "disposition", "date_filed", "court",
     "case_number"}
)  # fmt: skip
_PAYMENT_HISTORY = re.compile(r"^[0-6BDEGHJKL]{24}$")


def reason(code: str, item_kind: str) -> Reason:
    """The reason for this code, if it applies to the item; else a 422 naming `reason`."""
    found = REASONS.get(code)
    if found is None:
        raise InvalidInput(
            f"unknown reason code {code!r}; known: {', '.join(sorted(REASONS))}", field="reason"
        )
    if item_kind not in found.kinds:
        raise InvalidInput(
            f"reason {code!r} does not apply to a {API_KIND[item_kind]}", field="reason"
        )
    return found


def check_disputed_field(item_kind: str, field: str | None) -> None:
    """A field-level dispute must name a field the furnisher could correct."""
    if field is None:
        return
    fields = CORRECTABLE.get(item_kind, {})
    if field not in fields:
        raise InvalidInput(
            f"{field!r} is not a disputable field of a {API_KIND[item_kind]}"
            + (f"; one of: {', '.join(sorted(fields))}" if fields else ""),
            field="item.field",
        )


def _value(kind: str, size: int | None, name: str, raw: Any) -> Any:
    where = f"corrected_fields.{name}"
    if raw is None:
        if name in _REQUIRED:
            raise InvalidInput(f"{name} cannot be removed", field=where)
        return None
    if kind == _DATE:
        if not isinstance(raw, str):
            raise InvalidInput("expected an ISO date (YYYY-MM-DD)", field=where)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not an ISO date (YYYY-MM-DD)", field=where) from None
    if kind == _MONEY:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise InvalidInput("expected whole dollars, zero or more", field=where)
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("expected a non-empty string", field=where)
    if size is not None and len(raw) != size:
        raise InvalidInput(f"expected exactly {size} characters", field=where)
    if name == "payment_history" and not _PAYMENT_HISTORY.match(raw):
        raise InvalidInput("expected 24 Metro 2 payment history codes", field=where)
    return raw


def parse_corrections(item_kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a furnisher's corrected fields; every error names `corrected_fields.<name>`."""
    fields = CORRECTABLE.get(item_kind)
    if fields is None:
        raise InvalidInput(
            f"a {API_KIND[item_kind]} cannot be modified, only verified or deleted",
            field="corrected_fields",
        )
    if not raw:
        raise InvalidInput("a 'modified' answer must give the corrected fields",
                           field="corrected_fields")  # fmt: skip
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in fields:
            raise InvalidInput(
                f"{name!r} is not a correctable field; one of: {', '.join(sorted(fields))}",
                field=f"corrected_fields.{name}",
            )
        kind, size = fields[name]
        parsed[name] = _value(kind, size, name, value)
    return parsed


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters."""
    return len(text.split())
