"""The field tables put every field where the published layouts and the decoded fixtures say.

moov-io/metro2 ships its fixtures with JSON decodings; decoding the same bytes with our tables
must give the same values, field by field, for the header, base, trailer and every appended
segment. Code tables carry a meaning for every code.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest

from bureau.furnishing.metro2 import codes
from bureau.furnishing.metro2.layout import APPENDED, LAYOUTS, TRAILER_STATUS_CODES
from bureau.furnishing.metro2.parse import open_file, parse_segment, read
from bureau.furnishing.metro2.records import Record, Segment, Value
from tests.furnishing.samples import sample

_RENAMED = {
    "scheduledMonthlyPaymentAmount": "scheduled_payment",
    "actualPaymentAmount": "actual_payment",
    "complianceConditionCode": "compliance_condition",
    "originalChargeOffAmount": "original_charge_off",
    "dateFirstDelinquency": "date_first_delinquency",
    "dateAccountInformation": "date_account_information",
    "dateLastPayment": "date_last_payment",
    "interestTypeIndicator": "interest_type",
    "socialSecurityNumber": "ssn",
    "dateBirth": "date_of_birth",
    "telephoneNumber": "telephone",
    "ecoaCode": "ecoa_code",
    "firstLineAddress": "address_line_1",
    "secondLineAddress": "address_line_2",
    "zipCode": "postal_code",
    "reporterTelephoneNumber": "reporter_telephone",
    "transUnionProgramIdentifier": "transunion_program_identifier",
    "softwareVersionNumber": "software_version",
    "purchasedIndicator": "purchased_sold_indicator",
    "purchasedName": "purchased_sold_name",
    "firstLineEmployerAddress": "employer_address_line_1",
    "secondLineEmployerAddress": "employer_address_line_2",
    "totalConsumerSegmentsJ1": "total_j1_segments",
    "totalConsumerSegmentsJ2": "total_j2_segments",
    "totalECOACodeZ": "total_ecoa_z",
    "totalEmploymentSegments": "total_n1_segments",
    "totalOriginalCreditorSegments": "total_k1_segments",
    "totalPurchasedToSegments": "total_k2_segments",
    "totalMortgageInformationSegments": "total_k3_segments",
    "totalPaymentInformationSegments": "total_k4_segments",
    "totalChangeSegments": "total_l1_segments",
    "totalTelephoneNumbersAllSegments": "total_telephone_all",
    **{f"totalStatusCode{c}": f"total_status_{c.lower()}" for c in TRAILER_STATUS_CODES},
    **{f"totalSocialNumbers{k}Segments": f"total_ssn_{v}" for k, v in
       (("All", "all"), ("Base", "base"), ("J1", "j1"), ("J2", "j2"))},
    **{f"totalDatesBirth{k}Segments": f"total_dob_{v}" for k, v in
       (("All", "all"), ("Base", "base"), ("J1", "j1"), ("J2", "j2"))},
}  # fmt: skip
_FRAMING = {"blockDescriptorWord", "recordDescriptorWord"}


def _ours(moov_key: str) -> str:
    if moov_key in _RENAMED:
        return _RENAMED[moov_key]
    return re.sub(r"(?<!^)([A-Z])", r"_\1", moov_key).lower()


def _as_moov(value: Value | Any) -> str:
    """One comparable form: moov reads some codes as numbers and dates as RFC 3339 times."""
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00Z"
    text = str(value)
    return text.lstrip("0") or "0" if text.isdigit() else text


def _assert_matches(segment: Segment, decoded: dict[str, Any]) -> None:
    def name_in(segment: Segment, key: str) -> str:
        name = _ours(key)
        return name if name in segment.layout.by_name else f"employer_{name}"

    expected = {
        name_in(segment, k): _as_moov(v)
        for k, v in decoded.items()
        if k not in _FRAMING and v not in ("", 0)
    }
    ours = {
        name: _as_moov(value)
        for name, value in segment.values().items()
        if value not in (None, "", 0) and name in expected
    }
    assert ours == expected
    # and nothing moov decoded as empty holds a value with us (ignoring framing and reserved)
    for name, value in segment.values().items():
        if name in expected or "reserved" in name or name in ("record_descriptor_word",):
            continue
        moov_names = {name_in(segment, k) for k in decoded}
        if name in moov_names:
            assert value in (None, "", 0), name


def _records(path: str) -> list[Record]:
    with open_file(sample(path)) as stream:
        return [i for i in read(stream) if isinstance(i, Record)]


def test_every_layout_covers_its_length_without_gaps() -> None:
    assert {k: v.length for k, v in LAYOUTS.items()} == {
        "header": 426, "base": 426, "trailer": 426, "J1": 100, "J2": 200,
        "K1": 34, "K2": 34, "K3": 40, "K4": 30, "L1": 54, "N1": 146,
    }  # fmt: skip
    for layout in LAYOUTS.values():
        assert sum(f.length for f in layout.fields) == layout.length


def test_base_fields_sit_at_the_published_positions() -> None:
    base = LAYOUTS["base"]
    positions = {f.name: (f.start, f.end) for f in base.fields}
    assert positions["account_status"] == (124, 125)
    assert positions["payment_history_profile"] == (127, 150)
    assert positions["date_first_delinquency"] == (190, 197)
    assert positions["ssn"] == (298, 306)
    assert positions["ecoa_code"] == (325, 325)
    assert positions["residence_code"] == (426, 426)


def test_base_segment_decodes_as_moov_decodes_it() -> None:
    decoded = json.loads(sample("moov/base_segment.json").read_text())
    (record,) = _records("moov/base_segment.dat")
    _assert_matches(record.main, decoded["base"])
    by_kind: dict[str, list[Segment]] = {}
    for segment in record.appended:
        by_kind.setdefault(segment.kind, []).append(segment)
    for kind in ("J1", "J2"):
        for segment, expected in zip(by_kind[kind], decoded[kind.lower()], strict=True):
            _assert_matches(segment, expected)
    for kind in ("K1", "K2", "K3", "K4", "L1", "N1"):
        _assert_matches(by_kind[kind][0], decoded[kind.lower()])


@pytest.mark.parametrize("path", ["moov/unpacked_fixed_file", "moov/unpacked_variable_file"])
def test_header_and_trailer_decode_as_moov_decodes_them(path: str) -> None:
    decoded = json.loads(sample(f"{path}.json").read_text())
    header, base, trailer = _records(f"{path}.dat")
    _assert_matches(header.main, decoded["header"])
    _assert_matches(base.main, decoded["data"][0]["base"])
    _assert_matches(trailer.main, decoded["trailer"])


@pytest.mark.parametrize("kind", sorted(APPENDED))
def test_lone_segment_fixtures_decode_to_their_identifier(kind: str) -> None:
    for path in (f"moov/{kind.lower()}_segment.dat", f"cfpb/{kind.lower()}_segment.txt"):
        text = sample(path).read_text().rstrip("\n").replace("\n", "")
        segment = parse_segment(kind, text)
        assert segment.raw("segment_identifier") == kind
        assert segment.short_by == 0


def test_k1_original_creditor_and_classification() -> None:
    segment = parse_segment("K1", sample("cfpb/k1_segment.txt").read_text().rstrip("\n"))
    assert segment.values()["original_creditor_name"]
    assert segment.raw("creditor_classification") in codes.CREDITOR_CLASSIFICATION


def test_every_coded_field_names_an_existing_table_and_every_code_has_words() -> None:
    for layout in LAYOUTS.values():
        for f in layout.fields:
            if f.codes:
                assert f.codes in codes.TABLES, f.name
    for name, table in codes.TABLES.items():
        assert table, name
        assert all(code and words for code, words in table.items()), name
    assert codes.meaning("account_status", "97") == "Unpaid balance reported as a loss (charge-off)"
    assert codes.meaning("ecoa", "Z") == "Delete consumer from the account"
    assert codes.meaning("compliance_condition", "XB") is not None
    assert codes.meaning("account_status", "42") is None
