"""moov-io/metro2's JSON representation of a Metro 2 file, read and written.

Furnishers who build files with moov-io/metro2 (or its HTTP server) hold them as JSON:
`{"header": {...}, "data": [{"base": {...}, "j1": [...], "j2": [...], "k1": {...}, ...}],
"trailer": {...}}`, fields in camelCase, numbers as numbers, dates as RFC 3339 strings ("" when
not reported), and most zero or blank fields left out. The names and which fields moov leaves
out when empty are facts of its published structs; the mapping to the CRRG fields here is ours.
Reading composes the records with the layout tables (so a value that cannot be written names
its field), writing decodes them the same way, so a file converted to JSON and back is the
same file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from bureau.furnishing.metro2.layout import LAYOUTS, Field
from bureau.furnishing.metro2.records import Item, Record, RecordKind, Value
from bureau.furnishing.metro2.write import ComposeError, compose_record

# (our field, moov's key, left out when zero or blank)
_PERSON = (
    ("surname", "surname", False),
    ("first_name", "firstName", False),
    ("middle_name", "middleName", True),
    ("generation_code", "generationCode", True),
    ("ssn", "socialSecurityNumber", True),
    ("date_of_birth", "dateBirth", True),
    ("telephone", "telephoneNumber", False),
    ("ecoa_code", "ecoaCode", False),
    ("consumer_information_indicator", "consumerInformationIndicator", True),
)
_ADDRESS = (
    ("country_code", "countryCode", False),
    ("address_line_1", "firstLineAddress", False),
    ("address_line_2", "secondLineAddress", True),
    ("city", "city", False),
    ("state", "state", False),
    ("postal_code", "zipCode", False),
    ("address_indicator", "addressIndicator", False),
    ("residence_code", "residenceCode", False),
)
_SEGMENT_ID = (("segment_identifier", "segmentIdentifier", False),)
_TRAILER_TOTALS = {
    "total_base_records": "totalBaseRecords", "total_j1_segments": "totalConsumerSegmentsJ1",
    "total_j2_segments": "totalConsumerSegmentsJ2", "block_count": "blockCount",
    "total_ecoa_z": "totalECOACodeZ", "total_n1_segments": "totalEmploymentSegments",
    "total_k1_segments": "totalOriginalCreditorSegments",
    "total_k2_segments": "totalPurchasedToSegments",
    "total_k3_segments": "totalMortgageInformationSegments",
    "total_k4_segments": "totalPaymentInformationSegments",
    "total_l1_segments": "totalChangeSegments", "total_ssn_all": "totalSocialNumbersAllSegments",
    "total_ssn_base": "totalSocialNumbersBaseSegments",
    "total_ssn_j1": "totalSocialNumbersJ1Segments", "total_ssn_j2": "totalSocialNumbersJ2Segments",
    "total_dob_all": "totalDatesBirthAllSegments", "total_dob_base": "totalDatesBirthBaseSegments",
    "total_dob_j1": "totalDatesBirthJ1Segments", "total_dob_j2": "totalDatesBirthJ2Segments",
    "total_telephone_all": "totalTelephoneNumbersAllSegments",
}  # fmt: skip
KEYS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "header": (
        ("record_descriptor_word", "recordDescriptorWord", False),
        ("record_identifier", "recordIdentifier", False),
        ("cycle_identifier", "cycleIdentifier", True),
        ("innovis_program_identifier", "innovisProgramIdentifier", True),
        ("equifax_program_identifier", "equifaxProgramIdentifier", True),
        ("experian_program_identifier", "experianProgramIdentifier", True),
        ("transunion_program_identifier", "transUnionProgramIdentifier", True),
        ("activity_date", "activityDate", False), ("date_created", "dateCreated", False),
        ("program_date", "programDate", False),
        ("program_revision_date", "programRevisionDate", False),
        ("reporter_name", "reporterName", False), ("reporter_address", "reporterAddress", False),
        ("reporter_telephone", "reporterTelephoneNumber", False),
        ("software_vendor_name", "softwareVendorName", True),
        ("software_version", "softwareVersionNumber", True),
        ("prbc_program_identifier", "prbcProgramIdentifier", True),
    ),
    "base": (
        ("record_descriptor_word", "recordDescriptorWord", False),
        ("processing_indicator", "processingIndicator", False),
        ("time_stamp", "timeStamp", False), ("correction_indicator", "correctionIndicator", True),
        ("identification_number", "identificationNumber", False),
        ("cycle_identifier", "cycleIdentifier", True),
        ("consumer_account_number", "consumerAccountNumber", False),
        ("portfolio_type", "portfolioType", False), ("account_type", "accountType", False),
        ("date_opened", "dateOpened", False), ("credit_limit", "creditLimit", True),
        ("highest_credit", "highestCredit", True), ("terms_duration", "termsDuration", False),
        ("terms_frequency", "termsFrequency", True),
        ("scheduled_payment", "scheduledMonthlyPaymentAmount", True),
        ("actual_payment", "actualPaymentAmount", True),
        ("account_status", "accountStatus", False), ("payment_rating", "paymentRating", True),
        ("payment_history_profile", "paymentHistoryProfile", False),
        ("special_comment", "specialComment", True),
        ("compliance_condition", "complianceConditionCode", True),
        ("current_balance", "currentBalance", False), ("amount_past_due", "amountPastDue", True),
        ("original_charge_off", "originalChargeOffAmount", True),
        ("date_account_information", "dateAccountInformation", False),
        ("date_first_delinquency", "dateFirstDelinquency", True),
        ("date_closed", "dateClosed", True), ("date_last_payment", "dateLastPayment", True),
        ("interest_type", "interestTypeIndicator", False),
        *_PERSON, *_ADDRESS,
    ),
    "trailer": (
        ("record_descriptor_word", "recordDescriptorWord", False),
        ("record_identifier", "recordIdentifier", False),
        *((name, key, name in ("total_j1_segments", "total_j2_segments"))
          for name, key in _TRAILER_TOTALS.items()),
        *((f.name, f"totalStatusCode{f.name.removeprefix('total_status_').upper()}", False)
          for f in LAYOUTS["trailer"].fields if f.name.startswith("total_status_")),
    ),
    "J1": (*_SEGMENT_ID, *_PERSON),
    "J2": (*_SEGMENT_ID, *_PERSON, *_ADDRESS),
    "K1": (*_SEGMENT_ID, ("original_creditor_name", "originalCreditorName", False),
           ("creditor_classification", "creditorClassification", False)),
    "K2": (*_SEGMENT_ID, ("purchased_sold_indicator", "purchasedIndicator", False),
           ("purchased_sold_name", "purchasedName", False)),
    "K3": (*_SEGMENT_ID, ("agency_identifier", "agencyIdentifier", True),
           ("agency_account_number", "accountNumber", True),
           ("mortgage_identification_number", "mortgageIdentificationNumber", False)),
    "K4": (*_SEGMENT_ID, ("specialized_payment_indicator", "specializedPaymentIndicator", False),
           ("deferred_payment_start_date", "deferredPaymentStartDate", True),
           ("balloon_payment_due_date", "balloonPaymentDueDate", True),
           ("balloon_payment_amount", "balloonPaymentAmount", False)),
    "L1": (*_SEGMENT_ID, ("change_indicator", "changeIndicator", False),
           ("new_consumer_account_number", "newConsumerAccountNumber", True),
           ("new_identification_number", "newIdentificationNumber", True)),
    "N1": (*_SEGMENT_ID, ("employer_name", "employerName", False),
           ("employer_address_line_1", "firstLineEmployerAddress", False),
           ("employer_address_line_2", "secondLineEmployerAddress", False),
           ("employer_city", "employerCity", False), ("employer_state", "employerState", False),
           ("employer_postal_code", "zipCode", False), ("occupation", "occupation", False)),
}  # fmt: skip
BDW_KEY = "blockDescriptorWord"
LISTED = ("J1", "J2")  # repeated segments are JSON lists; the others single objects


class ConvertError(ValueError):
    """A moov JSON document that cannot be written as Metro 2: names where and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


# ---------------------------------------------------------------------------------------
# Metro 2 -> moov JSON


def _json_value(f: Field, value: Value) -> Any:
    if f.type in "DT":
        if not isinstance(value, date):
            return ""
        stamp = value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                   value.day)  # fmt: skip
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if f.type == "N":
        return value if isinstance(value, int) else 0
    return value if isinstance(value, str) else ""


def _segment_json(record: Record, index: int) -> dict[str, Any]:
    segment = record.segments[index]
    layout = segment.layout
    out: dict[str, Any] = {}
    if index == 0 and record.bdw is not None:
        out[BDW_KEY] = int(record.bdw) if record.bdw.isdigit() else 0
    for name, key, omit_empty in KEYS[segment.kind]:
        value = _json_value(layout[name], segment.get(name))
        if omit_empty and value in ("", 0):
            continue
        out[key] = value
    return out


def record_json(record: Record) -> dict[str, Any]:
    """One record as moov writes it: a header or trailer object, or a data record (its base
    and appended segments under "base", "j1", "j2", "k1" ...)."""
    if record.kind != "base":
        return _segment_json(record, 0)
    out: dict[str, Any] = {"base": _segment_json(record, 0)}
    for index, segment in enumerate(record.segments[1:], start=1):
        key = segment.kind.lower()
        if segment.kind in LISTED:
            out.setdefault(key, []).append(_segment_json(record, index))
        else:
            out[key] = _segment_json(record, index)
    return out


def to_moov(items: Iterable[Item]) -> dict[str, Any]:
    """A file's records as moov's JSON document (unreadable stretches have no JSON form: the
    caller refuses a file that has any)."""
    doc: dict[str, Any] = {}
    data: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, Record):
            continue
        if item.kind == "base":
            data.append(record_json(item))
        else:
            doc.setdefault(item.kind, record_json(item))
    return {"header": doc.get("header", {}), "data": data, "trailer": doc.get("trailer", {})}


# ---------------------------------------------------------------------------------------
# moov JSON -> Metro 2


def _typed(f: Field, value: Any, where: str) -> Value:
    if value is None or value == "":
        return None
    if f.type in "DT":
        if not isinstance(value, str):
            raise ConvertError(where, "a date must be an RFC 3339 string")
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            raise ConvertError(where, f"{value!r} is not an RFC 3339 date") from None
        return stamp if f.type == "T" else stamp.date()
    if f.type == "N":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConvertError(where, "must be a whole number")
        return value
    if not isinstance(value, str):
        raise ConvertError(where, "must be a string")
    return value


def _values(kind: str, obj: Any, where: str) -> tuple[dict[str, Value], bool]:
    """The segment's values by our field names, and whether it carried a BDW."""
    if not isinstance(obj, Mapping):
        raise ConvertError(where, "must be an object")
    names = {key: name for name, key, _ in KEYS[kind]}
    unknown = sorted(set(obj) - set(names) - {BDW_KEY})
    if unknown:
        raise ConvertError(f"{where}.{unknown[0]}", f"not a field of moov's {kind} segment")
    layout = LAYOUTS[kind]
    values = {names[k]: _typed(layout[names[k]], v, f"{where}.{k}") for k, v in obj.items()
              if k != BDW_KEY}  # fmt: skip
    values.pop("segment_identifier", None)
    values.pop("record_identifier", None)
    return values, bool(obj.get(BDW_KEY))


def _compose(kind: RecordKind, values: dict[str, Value], bdw: bool, where: str,
             appended: list[tuple[str, dict[str, Value]]] | None = None) -> Record:  # fmt: skip
    try:
        record = compose_record(kind, values, appended or [])
    except ComposeError as exc:
        raise ConvertError(f"{where}.{exc.field}", exc.reason) from None
    if bdw:
        record.bdw = str(len(record.body()) + 4).zfill(4)
    return record


def _data_record(obj: Any, where: str) -> Record:
    if not isinstance(obj, Mapping) or "base" not in obj:
        raise ConvertError(where, 'a data record is an object with a "base" segment')
    unknown = sorted(set(obj) - {"base", *(k.lower() for k in KEYS if len(k) == 2)})
    if unknown:
        raise ConvertError(f"{where}.{unknown[0]}", "not a Metro 2 segment")
    base, bdw = _values("base", obj["base"], f"{where}.base")
    appended: list[tuple[str, dict[str, Value]]] = []
    for kind in ("J1", "J2", "K1", "K2", "K3", "K4", "L1", "N1"):
        found = obj.get(kind.lower())
        if found is None:
            continue
        entries = found if kind in LISTED and isinstance(found, list) else [found]
        for n, entry in enumerate(entries):
            at = f"{where}.{kind.lower()}" + (f"[{n}]" if kind in LISTED else "")
            appended.append((kind, _values(kind, entry, at)[0]))
    return _compose("base", base, bdw, f"{where}.base", appended)


def from_moov(doc: Any) -> list[Record]:
    """moov's JSON document as the Metro 2 records it stands for (character format; see
    packed.to_packed for the packed one). Raises ConvertError naming the first field that
    cannot be written."""
    if not isinstance(doc, Mapping):
        raise ConvertError("document", 'must be an object with "header", "data", "trailer"')
    unknown = sorted(set(doc) - {"header", "data", "trailer"})
    if unknown:
        raise ConvertError(unknown[0], 'not part of a moov file ("header", "data", "trailer")')
    data = doc.get("data") or []
    if not isinstance(data, list):
        raise ConvertError("data", "must be a list of data records")
    out: list[Record] = []
    if doc.get("header"):
        out.append(_compose("header", *_values("header", doc["header"], "header"), "header"))
    out += [_data_record(obj, f"data[{n}]") for n, obj in enumerate(data)]
    if doc.get("trailer"):
        out.append(_compose("trailer", *_values("trailer", doc["trailer"], "trailer"), "trailer"))
    return out
