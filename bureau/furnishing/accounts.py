"""From a validated Metro 2 base record to what the bureau stores: the account's values (the
tradeline columns), the account number, and the consumer's identity facts for matching.

Pure: no database, no vault. JSON records are turned into Metro 2 records first
(`record_from_json`), so both paths share one validation and one mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bureau.furnishing import details
from bureau.furnishing.metro2.layout import APPENDED, BASE, Field, Layout
from bureau.furnishing.metro2.records import FieldError, Record, Segment, Value, digits, encode
from bureau.furnishing.metro2.write import ComposeError, compose_record, compose_segment
from bureau.subjects.address import Address

# Metro 2 base field -> tradelines column, where the names differ.
_COLUMN_OF = {
    "payment_history_profile": "payment_history",
    "consumer_information_indicator": "consumer_info_indicator",
}
_DIRECT = (
    "portfolio_type", "account_type", "ecoa_code", "date_opened", "date_closed",
    "date_last_payment", "date_first_delinquency", "date_account_information", "credit_limit",
    "highest_credit", "terms_duration", "terms_frequency", "scheduled_payment", "actual_payment",
    "account_status", "payment_rating", "payment_history_profile", "special_comment",
    "compliance_condition", "current_balance", "amount_past_due", "original_charge_off",
    "consumer_information_indicator", "interest_type",
)  # fmt: skip
DELETE_STATUSES = {"DA": "furnisher deleted the account", "DF": "furnisher deleted it: fraud"}
# ECOA Z: the furnisher takes this consumer off the account (the others stay on it).
REMOVED_CONSUMER = "furnisher removed the consumer from the account (ECOA Z)"
# Who a tradeline belongs to: the base segment's consumer, or an associated consumer of J1
# (same address as the base) or J2 (own address).
ASSOCIATED = ("J1", "J2")


@dataclass(frozen=True)
class Identity:
    """The consumer as the record names them (plaintext, in memory only)."""

    name: str
    national_id: str | None
    dob: date | None
    address: Address | None  # its fields; blind-indexed over its text
    phone: str | None

    def facts(self) -> list[tuple[str, str | Address]]:
        facts: list[tuple[str, str | Address]] = [("name", self.name)]
        if self.national_id:
            facts.append(("national_id", self.national_id))
        if self.dob:
            facts.append(("dob", self.dob.isoformat()))
        if self.address:
            facts.append(("address", self.address))
        if self.phone:
            facts.append(("phone", self.phone))
        return facts


@dataclass(frozen=True)
class Account:
    """One furnished account, ready to be matched and stored."""

    number: int  # record number in the file (or the index in a JSON batch's `records`)
    account_number: str
    identification_number: str
    identity: Identity
    values: dict[str, Any]  # tradelines columns (repo.FURNISHED_COLUMNS)
    # L1: the account's new number; the base segment still names it by its previous one
    new_account_number: str | None = None

    @property
    def current_number(self) -> str:
        """The number the account is known by from now on."""
        return self.new_account_number or self.account_number

    @property
    def as_of(self) -> date:
        value = self.values["date_account_information"]
        assert isinstance(value, date)
        return value

    @property
    def delete_reason(self) -> str | None:
        reason = DELETE_STATUSES.get(str(self.values["account_status"]))
        return reason or (REMOVED_CONSUMER if self.values["ecoa_code"] == "Z" else None)

    @property
    def role(self) -> str:
        """'base', or the segment ('J1', 'J2') naming this associated consumer."""
        return str(self.values["consumer_role"])

    def reported(self) -> dict[str, Any]:
        """What the furnisher reported for this period, as JSON (kept in tradeline_reports)."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in self.values.items()}


def record_from_stored(row: Mapping[str, Any]) -> Record:
    """A base record holding an account's stored state (tradeline columns), so the rules that
    compare cycles read the stored history with the same predicates as a previous file.
    Its L1 is the latest report's (`previous_change`); the fields the tradeline does not keep
    (names, identity, the other appended segments) are blank."""
    values: dict[str, Value] = {}
    for name in _DIRECT:
        value = row.get(_COLUMN_OF.get(name, name))
        if value is not None:
            values[name] = value
    return compose_record("base", values, details.change_segments(row.get("previous_change")))


def _none_if_blank(value: Value) -> Value:
    return None if value == "" else value


def account_from_record(record: Record) -> Account:
    """The account a (validated) base record reports."""
    base = record.main
    values: dict[str, Any] = {
        _COLUMN_OF.get(name, name): _none_if_blank(base.get(name)) for name in _DIRECT
    }
    for amount in ("current_balance", "amount_past_due", "original_charge_off"):
        values[amount] = values[amount] or 0
    # a zero-filled credit limit means "not applicable" (installment, mortgage, open accounts)
    values["credit_limit"] = values["credit_limit"] or None
    k1 = record.appended_of("K1")
    values["original_creditor"] = (
        _none_if_blank(k1[0].get("original_creditor_name")) if k1 else None
    )
    values["creditor_classification"] = (
        _none_if_blank(k1[0].raw("creditor_classification").strip()) if k1 else None
    )
    appended = len(record.segments) > 1  # most records have no appended segment at all
    values["account_details"] = details.from_record(record) if appended else None  # K2-K4, L1
    values["consumer_role"] = "base"
    return Account(
        number=record.number,
        account_number=str(base.get("consumer_account_number") or ""),
        identification_number=str(base.get("identification_number") or ""),
        identity=_identity(base, base),
        values=values,
        new_account_number=new_account_number(record) if appended else None,
    )


def _identity(person: Segment, residence: Segment) -> Identity:
    """The consumer a base, J1 or J2 segment names, living at `residence`'s address (a J1
    consumer lives at the base segment's address)."""
    ssn = person.raw("ssn")
    dob = person.get("date_of_birth")
    phone = person.raw("telephone")
    # the middle name is part of the name: without it "MARY ANN LEE" and "MARY LEE" would be
    # the same blind index, and the subject's own "Mary Ann Lee" would gain a second name
    first, middle, surname = (
        str(person.get(f) or "") for f in ("first_name", "middle_name", "surname")
    )
    return Identity(
        name=" ".join(part for part in (first, middle, surname) if part),
        national_id=ssn if ssn.strip(" 0") and digits(ssn) else None,
        dob=dob if isinstance(dob, date) else None,
        address=_address(residence),
        phone=phone if phone.strip(" 0") and digits(phone) else None,
    )


def _address(residence: Segment) -> Address | None:
    """The segment's address as its fields (None when it carries none)."""
    fields = [
        str(residence.get(f) or "")
        for f in ("address_line_1", "address_line_2", "city", "state", "postal_code")
    ]
    address = Address(*fields)
    return address if address.text() else None


def associated_accounts(record: Record, account: Account) -> list[Account]:
    """The account as each associated consumer (J1, J2) holds it: the same account, reported
    to their own file with their own ECOA code and consumer information indicator."""
    held: list[Account] = []
    for segment in record.appended:
        if segment.kind in ASSOCIATED:
            residence = record.main if segment.kind == "J1" else segment
            values = dict(account.values, consumer_role=segment.kind,
                          ecoa_code=segment.raw("ecoa_code").strip(),
                          consumer_info_indicator=_none_if_blank(
                              segment.get("consumer_information_indicator")))  # fmt: skip
            held.append(replace(account, identity=_identity(segment, residence), values=values))
    return held


def new_account_number(record: Record) -> str | None:
    """The new consumer account number an L1 segment announces (change indicator 1 or 3).

    As the CRRG has it, the base segment of the month of the change still carries the previous
    number, so the bureau can find the account, and L1 the number it goes by from then on. An
    identification-number change (indicator 2, or the second half of 3) moves accounts between
    furnisher numbers: that is an operator's change to the organization, not applied here."""
    for segment in record.appended_of("L1"):
        if segment.raw("change_indicator") in ("1", "3"):
            return str(segment.get("new_consumer_account_number") or "") or None
    return None


# JSON records carry the fields of these appended segments flat, by name (unique across them
# and the base segment), and associated consumers as a list of J1/J2 objects.
JSON_SEGMENTS = ("K1", "K2", "K3", "K4", "L1")
SEGMENT_OF: dict[str, str] = {
    f.name: kind
    for kind in JSON_SEGMENTS
    for f in APPENDED[kind].fields
    if f.name != "segment_identifier" and not f.name.startswith("reserved")
}
ASSOCIATED_FIELD = "associated_consumers"


def _typed(layout: Layout, name: str, value: Any) -> Value:
    """A JSON value as the Metro 2 field's type (dates arrive as ISO strings)."""
    field = layout.by_name.get(name)
    if field is None or value is None:
        return value
    if field.type == "D":
        if not isinstance(value, str):
            raise ComposeError(layout.kind, name, "a date must be a string YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ComposeError(layout.kind, name,
                               f"{value!r} is not a date (YYYY-MM-DD)") from None  # fmt: skip
    if field.type == "N" and isinstance(value, str) and digits(value):
        return int(value)  # national ids and phone numbers often arrive as strings
    return value


def _associated_from_json(entry: Any) -> tuple[str, dict[str, Value]]:
    """One associated consumer of a JSON record: {"segment": "J1" or "J2", fields by name}."""
    kind = entry.get("segment") if isinstance(entry, Mapping) else None
    if kind not in ASSOCIATED:
        raise ComposeError("base", ASSOCIATED_FIELD,
                           'each associated consumer is an object with "segment": "J1" or "J2"')  # fmt: skip
    layout = APPENDED[kind]
    return kind, {n: _typed(layout, n, v) for n, v in entry.items() if n != "segment"}


class ComposeErrors(ValueError):
    """Every value of a JSON record that cannot be expressed in Metro 2, not just the first."""

    def __init__(self, errors: list[ComposeError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _unfit(item: Mapping[str, Any]) -> list[ComposeError]:
    """Each field of a JSON record tried on its own, so that all the bad ones are named."""
    errors: list[ComposeError] = []
    for name, value in item.items():
        if name == ASSOCIATED_FIELD:
            for entry in value or ():
                try:
                    kind, values = _associated_from_json(entry)
                    compose_segment(kind, values)
                except ComposeError as exc:
                    errors.append(exc)
            continue
        kind = SEGMENT_OF.get(name, "base")
        layout = BASE if kind == "base" else APPENDED[kind]
        try:
            typed = _typed(layout, name, value)
            if name not in layout.by_name:
                raise ComposeError(kind, name, "no such field in this segment")
            encode_field(layout[name], kind, typed)
        except ComposeError as exc:
            errors.append(exc)
    return errors


def encode_field(f: Field, kind: str, value: Value) -> None:
    try:
        encode(f, value)
    except FieldError as exc:
        raise ComposeError(kind, f.name, exc.reason) from None


def record_from_json(
    item: Mapping[str, Any], *, number: int, identification_number: str, as_of_stamp: Any
) -> Record:
    """A JSON record as the Metro 2 base record (with its J1/J2, K1-K4 and L1 segments) it
    stands for; raises ComposeErrors naming every field whose value cannot be expressed."""
    try:
        return _compose_json(item, number, identification_number, as_of_stamp)
    except ComposeError as first:
        raise ComposeErrors(_unfit(item) or [first]) from None


def _compose_json(
    item: Mapping[str, Any], number: int, identification_number: str, as_of_stamp: Any
) -> Record:
    base: dict[str, Value] = {"processing_indicator": 1, "time_stamp": as_of_stamp,
                              "identification_number": identification_number}  # fmt: skip
    segments: dict[str, dict[str, Value]] = {}
    appended: list[tuple[str, dict[str, Value]]] = []
    for name, value in item.items():
        if name == ASSOCIATED_FIELD:
            appended += [_associated_from_json(entry) for entry in value or ()]
            continue
        kind = SEGMENT_OF.get(name)
        if kind is None:
            base[name] = _typed(BASE, name, value)
        else:
            segments.setdefault(kind, {})[name] = _typed(APPENDED[kind], name, value)
    appended += [(kind, segments[kind]) for kind in JSON_SEGMENTS if kind in segments]
    record = compose_record("base", base, appended)
    record.number = number
    return record
