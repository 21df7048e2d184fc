"""The subject's full disclosure (FCRA §609, GDPR Art. 15/20): the file as plain JSON.

Every item carries its source, because a person cannot dispute an item without knowing who
reported it. Inquiries are shown with their lookback windows (one year; two for employment).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any, get_type_hints
from uuid import UUID

from bureau.furnishing import details
from bureau.furnishing.metro2.codes import IN_DISPUTE
from bureau.model import CreditFile, Inquiry, Statement, Tradeline
from bureau.policy.regime import live_regime, live_rules

_AS_IS = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    # Dispatch on the exact type first: a report converts a few hundred values, and a chain of
    # isinstance checks per value was a tenth of a pull's CPU time.
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is date or kind is datetime:
        return value.isoformat()
    if kind is UUID:
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def asdict(item: Any) -> dict[str, Any]:
    """A flat dataclass as a dict, without `dataclasses.asdict`'s deep copy.

    The file's dataclasses hold only scalars and lists of scalars, and `_jsonable` builds new
    lists anyway; the deep copy cost a third of a report pull's CPU time.
    """
    names = _FIELD_NAMES.get(type(item))
    if names is None:
        names = _FIELD_NAMES[type(item)] = tuple(f.name for f in fields(item))
    held = item.__dict__  # the model's dataclasses have no slots: a lookup, not a getattr
    return {name: held[name] for name in names}


def _without_subject(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "subject_id"}


_PLAIN = (str, int, bool, str | None, int | None, bool | None)
_TRADELINE_CONVERTED = tuple(
    name for name, hint in get_type_hints(Tradeline).items()
    if hint not in _PLAIN and name not in ("subject_id", "furnisher_name", "account_details")
)  # fmt: skip
"""The account's fields that are not JSON as they are (dates, ids). A report converts ten
accounts of thirty fields each; passing every field through `_jsonable` was a third of the
disclosure's time."""


def _tradeline(t: Tradeline) -> dict[str, Any]:
    body = asdict(t)
    del body["subject_id"], body["furnisher_name"]
    for name in _TRADELINE_CONVERTED:
        body[name] = _jsonable(body[name])
    body["account_number"] = t.account_number_masked
    body["source"] = {"furnisher_id": str(t.furnisher_id), "name": t.furnisher_name}
    body["disputed"] = (t.compliance_condition or "") in IN_DISPUTE
    body["account_details"] = _jsonable(details.in_words(t.account_details))
    return body


def _inquiry_shown(inquiry: Inquiry, as_of: datetime) -> bool:
    rules = live_rules().access
    days = (
        rules.inquiry_lookback_days_employment
        if inquiry.purpose == "employment"
        else rules.inquiry_lookback_days
    )
    return inquiry.created_at >= as_of - timedelta(days=days)


def _masked(national_id: str) -> str:
    return "*****" + national_id[-4:]


def _statements_shown(file: CreditFile, for_subject: bool) -> list[dict[str, Any]]:
    """The subject sees every current statement; a report carries those about the items it
    carries (FCRA §611(c)), never one about an item left out (obsolete, deleted, or not in this
    file), whose text would tell the user about it. Every field, ids and times as text."""
    shown: Iterable[Statement] = file.statements
    if not for_subject:
        carried = {t.tradeline_id for t in file.tradelines} | {
            b.bankruptcy_id for b in file.bankruptcies
        }
        shown = (s for s in file.statements if s.item_id in carried)
    return [_jsonable(asdict(s)) for s in shown]


def disclosure(
    file: CreditFile, *, truncate_national_id: bool = False, for_subject: bool = True
) -> dict[str, Any]:
    """The file as JSON. `for_subject=False` (reports to users) leaves out identity facts that
    are no longer current and statements about items the report does not carry; the subject
    sees everything held about them."""
    identity = asdict(file.identity)
    superseded = identity.pop("superseded")
    if truncate_national_id:
        identity["national_ids"] = [_masked(n) for n in identity["national_ids"]]
        superseded = [(k, _masked(v) if k == "national_id" else v) for k, v in superseded]
    if for_subject:
        identity["superseded"] = [{"kind": kind, "value": value} for kind, value in superseded]
    return {
        "subject_id": str(file.subject_id),
        "as_of": file.as_of.isoformat(),
        "regime": live_regime().id,
        "identity": _jsonable(identity),
        "tradelines": [_tradeline(t) for t in file.tradelines if not t.is_collection],
        "collections": [_tradeline(t) for t in file.tradelines if t.is_collection],
        "bankruptcies": [
            _jsonable(_without_subject(asdict(b)) | {"source": b.reported_by_name})
            for b in file.bankruptcies
        ],
        "inquiries": [
            _jsonable(_without_subject(asdict(i)))
            for i in file.inquiries
            if _inquiry_shown(i, file.as_of)
        ],
        "fraud_alerts": [_jsonable(asdict(a)) for a in file.fraud_alerts],
        "frozen": file.frozen,
        "statements": _statements_shown(file, for_subject),
    }
