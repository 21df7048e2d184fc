"""moov-io/metro2's JSON, checked against moov's own fixtures: each sample file converts to
the JSON moov gives for it, that JSON converts to the sample's records (the packed one byte
for byte), and a file converted to JSON and back is the same file. `bureau metro2 convert`
moves a file between the character format, the packed format and the JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bureau.cli import main
from bureau.furnishing.metro2.moov_json import ConvertError, from_moov, record_json, to_moov
from bureau.furnishing.metro2.packed import to_packed
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from tests.furnishing.samples import sample

FIXTURES = ["moov/unpacked_fixed_file", "moov/unpacked_variable_file", "moov/packed_file"]
_DESCRIPTORS = ("recordDescriptorWord", "blockDescriptorWord")


def _comparable(doc: Any) -> Any:
    """moov's fixtures leave out zero and blank values (and carry hand-written, wrong
    descriptor words): compare what is reported."""
    if isinstance(doc, dict):
        return {k: _comparable(v) for k, v in doc.items()
                if v not in ("", 0, None, [], {}) and k not in _DESCRIPTORS}  # fmt: skip
    if isinstance(doc, list):
        return [_comparable(v) for v in doc]
    return doc


def _records(data: bytes) -> list[Record]:
    return [i for i in parse_bytes(data) if isinstance(i, Record)]


def _same_fields(ours: list[Record], theirs: list[Record]) -> None:
    assert [r.kind for r in ours] == [r.kind for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert [s.kind for s in a.segments] == [s.kind for s in b.segments]
        assert a.main.text[4:] == b.main.text[4:]  # all but the record descriptor word
        assert [s.text for s in a.appended] == [s.text for s in b.appended]


@pytest.mark.parametrize("name", FIXTURES)
def test_each_moov_sample_converts_to_the_json_moov_gives_for_it(name: str) -> None:
    ours = to_moov(parse_bytes(sample(f"{name}.dat").read_bytes()))
    theirs = json.loads(sample(f"{name}.json").read_text())
    assert _comparable(ours) == _comparable(theirs)
    assert ours["data"][0]["base"]["dateOpened"] == "2019-11-22T00:00:00Z"


@pytest.mark.parametrize("name", FIXTURES)
def test_moovs_json_converts_to_the_records_of_its_sample(name: str) -> None:
    built = from_moov(json.loads(sample(f"{name}.json").read_text()))
    original = sample(f"{name}.dat").read_bytes()
    if name.endswith("packed_file"):
        assert to_bytes(to_packed(r) for r in built) == original  # byte for byte
    _same_fields(built, _records(original))


def test_a_file_converted_to_json_and_back_is_the_same_file() -> None:
    original = list(records(30, seed=3))
    back = from_moov(json.loads(json.dumps(to_moov(original))))
    assert to_bytes(back) == to_bytes(original)


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (
            {"header": {}, "data": [{"base": {"currentBalance": "lots"}}]},
            "data[0].base.currentBalance",
        ),
        ({"data": [{"base": {"dateOpened": "last spring"}}]}, "data[0].base.dateOpened"),
        ({"data": [{"base": {}, "z9": {}}]}, "data[0].z9"),
        ({"data": [{"base": {"favouriteColour": "red"}}]}, "data[0].base.favouriteColour"),
        ({"data": [{"base": {"surname": "X" * 26}}]}, "data[0].base.surname"),
        ({"data": [{"base": {}, "j1": [{"ecoaCode": 2}]}]}, "data[0].j1[0].ecoaCode"),
        ({"records": []}, "records"),
    ],
)
def test_json_that_cannot_be_written_names_where(doc: dict[str, Any], where: str) -> None:
    with pytest.raises(ConvertError) as excinfo:
        from_moov(doc)
    assert excinfo.value.where == where


def test_convert_moves_a_file_between_all_three_formats(tmp_path: Path) -> None:
    source = tmp_path / "cycle.txt"
    source.write_bytes(to_bytes(records(12, seed=8)))
    steps = [("cycle.json", "json"), ("cycle.packed", "packed"), ("again.txt", "character")]
    previous = source
    for name, to in steps:
        target = tmp_path / name
        assert main(["metro2", "convert", str(previous), str(target), "--to", to]) == 0
        assert target.stat().st_mode & 0o777 == 0o600  # it names consumers
        previous = target
    assert _records((tmp_path / "cycle.packed").read_bytes())[0].packed
    assert (tmp_path / "again.txt").read_bytes() == source.read_bytes()
    assert main(["metro2", "validate", str(tmp_path / "cycle.packed")]) == 0


def test_convert_refuses_what_it_cannot_carry_over_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.json"
    assert main(["metro2", "convert", str(sample("cfpb/j1_segment.txt")), str(target)]) == 1
    assert "not a Metro 2 record" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [{"base": {"dateOpened": "soon"}}]}')
    assert main(["metro2", "convert", str(bad), str(tmp_path / "out.txt")]) == 1
    assert "data[0].base.dateOpened" in capsys.readouterr().err
    assert main(["metro2", "convert", str(tmp_path / "missing.txt"), str(target)]) == 2
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": [')
    assert main(["metro2", "convert", str(broken), str(target)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "broken.json"]


def test_moovs_lone_data_record_fixture_matches_its_base_segment_sample() -> None:
    """base_segment.json is one data record (base with every appended segment), as moov
    gives it for base_segment.dat."""
    (record,) = _records(sample("moov/base_segment.dat").read_bytes())
    theirs = json.loads(sample("moov/base_segment.json").read_text())
    assert _comparable(record_json(record)) == _comparable(theirs)
    _same_fields(from_moov({"data": [theirs]}), [record])
