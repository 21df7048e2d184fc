"""Writing Metro 2: any valid record survives write -> parse unchanged (property-based), and
composing refuses values that do not fit, naming the field."""

from __future__ import annotations

import string
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.layout import APPENDED, LAYOUTS, Field, Layout
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record, RecordKind
from bureau.furnishing.metro2.write import ComposeError, compose_record, compose_segment, to_bytes

_SET_BY_WRITER = {"record_descriptor_word", "record_identifier", "segment_identifier"}
_TEXT = string.ascii_uppercase + string.digits + " -.,#&'/"


def _value(f: Field) -> st.SearchStrategy[Any]:
    if f.type == "A":
        return st.text(_TEXT, max_size=f.length).map(lambda s: s.rstrip(" "))
    if f.type == "N":
        return st.integers(min_value=0, max_value=10**f.length - 1)
    if f.type == "D":
        return st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
    return st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda t: t.replace(microsecond=0)  # Metro 2 time stamps are to the second
    )


def values_for(layout: Layout) -> st.SearchStrategy[dict[str, Any]]:
    fields = {f.name: _value(f) for f in layout.fields if f.name not in _SET_BY_WRITER}
    if layout.kind == "base":
        fields["processing_indicator"] = st.just(1)
    return st.fixed_dictionaries(fields)


def _appended() -> st.SearchStrategy[list[tuple[str, dict[str, Any]]]]:
    one = st.sampled_from(sorted(APPENDED)).flatmap(
        lambda kind: values_for(APPENDED[kind]).map(lambda v: (kind, v))
    )
    return st.lists(one, max_size=4)


def _decoded(record: Record) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in s.values().items() if k not in _SET_BY_WRITER} for s in record.segments
    ]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(base=values_for(LAYOUTS["base"]), appended=_appended())
def test_any_valid_base_record_survives_write_then_parse(
    base: dict[str, Any], appended: list[tuple[str, dict[str, Any]]]
) -> None:
    record = compose_record("base", base, appended)
    data = to_bytes([record])
    (parsed,) = parse_bytes(data)
    assert isinstance(parsed, Record)
    assert [s.kind for s in parsed.segments] == ["base", *(kind for kind, _ in appended)]
    assert _decoded(parsed) == [base, *(values for _, values in appended)]
    assert parsed.main.value("record_descriptor_word") == len(data) - 1
    assert to_bytes([parsed]) == data


@settings(max_examples=60)
@given(kind=st.sampled_from(["header", "trailer"]), data=st.data())
def test_any_valid_header_or_trailer_survives_write_then_parse(kind: RecordKind, data: Any) -> None:
    values = data.draw(values_for(LAYOUTS[kind]))
    record = compose_record(kind, values)
    raw = to_bytes([record])
    (parsed,) = parse_bytes(raw)
    assert isinstance(parsed, Record) and parsed.kind == kind
    assert _decoded(parsed) == [values]
    assert to_bytes([parsed]) == raw


def test_composed_records_are_strict_426_byte_lines_with_true_rdw() -> None:
    record = compose_record("base", {"processing_indicator": 1}, [("K1", {})])
    data = to_bytes([record])
    assert data.endswith(b"\n") and len(data) == 426 + 34 + 1
    assert data[:4] == b"0460"


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"current_balance": 10**9}, "current_balance", "does not fit in 9 digits"),
        ({"current_balance": -5}, "current_balance", "non-negative"),
        ({"surname": "X" * 26}, "surname", "do not fit in 25"),
        ({"date_opened": "2020-01-01"}, "date_opened", "must be a date"),
        ({"favourite_colour": "red"}, "favourite_colour", "no such field"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_field(
    values: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(ComposeError) as excinfo:
        compose_segment("base", values)
    assert excinfo.value.field == field
    assert reason in excinfo.value.reason
