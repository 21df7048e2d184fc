"""Regime files are the law as data: each must validate, and a broken one must say which field."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bureau.policy.provenance import passages
from bureau.policy.reform import with_assumption
from bureau.policy.regime import (
    RegimeError,
    RegimeInvalid,
    builtin_names,
    builtin_reforms,
    live_rules,
    load_regime,
    parse_regime,
)

BUILT_IN = [
    "fcra-consent",
    "fcra-us",
    "pboc-crc",
    "sesame",
    "rongcheng",
    "suining",
    "spc-blacklist",
]


def raw(name: str) -> dict[str, Any]:
    text = (resources.files("bureau.policy") / "regimes" / f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def write_toml(path: Path, doc: dict[str, Any]) -> Path:
    """A minimal TOML writer for the shapes regime files use (tables, arrays of tables)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines: list[str] = []

    def table(prefix: str, t: dict[str, Any], header: str | None) -> None:
        if header:
            lines.append(header)
        nested = []
        for k, v in t.items():
            key = f'"{k}"' if not k.replace("_", "").replace("-", "").isalnum() else k
            if isinstance(v, dict) or (
                isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
            ):
                nested.append((key, v))
            else:
                lines.append(f"{key} = {value(v)}")
        for key, v in nested:
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(v, dict):
                table(name, v, f"[{name}]")
            else:
                for item in v:
                    table(name, item, f"[[{name}]]")

    table("", doc, None)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_all_seven_regimes_are_built_in() -> None:
    assert set(BUILT_IN) <= set(builtin_names())


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_regime_validates_with_every_parameter_sourced(name: str) -> None:
    regime = load_regime(name)
    lab = regime.require_lab()
    assert lab.bands, "a regime must say what each standing leads to"
    assert lab.provenance, "every parameter cites a source or is marked assumed"


@pytest.mark.parametrize("name", BUILT_IN + builtin_reforms())
def test_every_source_a_regime_cites_is_shipped_in_the_repository(name: str) -> None:
    for field, entry in load_regime(name).require_lab().provenance.items():
        if entry.status == "sourced":
            assert entry.source is not None, field
            assert entry.source.startswith("public:") or entry.source in passages(), field
        else:
            assert entry.note and (entry.range is not None or not isinstance(entry.value, float))


def test_live_rules_still_come_from_fcra_consent() -> None:
    rules = live_rules()
    assert rules.dispute.resolve_days == 30
    assert rules.retention.negative_item_years == 7
    assert rules.access.basis == "consent"


def test_a_wrong_type_is_refused_naming_the_field() -> None:
    doc = raw("fcra-us")
    doc["dispute"]["resolve_days"] = "thirty"
    with pytest.raises(RegimeError) as err:
        parse_regime(doc, "broken.toml")
    assert err.value.field == "dispute.resolve_days"
    assert "expected a number" in str(err.value)


def test_an_unknown_event_is_refused_naming_the_field() -> None:
    doc = raw("rongcheng")
    doc["scoring"]["items"]["litering"] = -3
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    assert ("scoring.items.litering", "unknown event") in err.value.problems


def test_every_problem_is_reported_at_once() -> None:
    doc = raw("suining")
    doc["notice"]["compliance"] = 1.5
    doc["bands"][0]["domains"] = ["flying"]
    del doc["access"]["basis"]
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    fields = {f for f, _ in err.value.problems}
    assert {"notice.compliance", "bands.A.domains", "access.basis"} <= fields


def test_a_parameter_without_a_source_is_refused() -> None:
    doc = raw("spc-blacklist")
    del doc["provenance"]["listing.years"]
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    assert err.value.field == "listing.years"
    assert "missing provenance" in err.value.reason


def test_an_assumption_without_a_reason_or_range_is_refused() -> None:
    doc = raw("spc-blacklist")
    doc["provenance"]["listing.years"] = {"status": "assumed", "value": 2.0, "unit": "years"}
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    fields = {f for f, _ in err.value.problems}
    assert {"provenance.listing.years.note", "provenance.listing.years.range"} <= fields


def test_a_seed_citation_must_name_the_seed_file() -> None:
    doc = raw("rongcheng")
    doc["provenance"]["scoring.items.littering"]["note"] = "bundled-regimes.md Rongcheng: littering"
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    assert err.value.field == "provenance.scoring.items.littering.note"


def test_an_edited_value_whose_provenance_was_left_behind_is_refused_as_stale() -> None:
    doc = raw("rongcheng")
    doc["scoring"]["items"]["littering"] = -30
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "edited.toml")
    assert err.value.field == "scoring.items.littering"
    assert "stale provenance" in err.value.reason and "-3" in err.value.reason


def test_a_citation_whose_passage_changed_since_it_was_read_is_refused() -> None:
    doc = raw("rongcheng")
    doc["provenance"]["scoring.base"]["sha256"] = "0" * 12
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "rongcheng.toml")
    assert err.value.field == "provenance.scoring.base.sha256"
    assert "stale source" in err.value.reason and "bundled-regimes.md#rongcheng" in err.value.reason


def test_a_citation_of_a_passage_not_in_the_repository_is_refused() -> None:
    doc = raw("rongcheng")
    doc["provenance"]["scoring.base"]["source"] = "../shared/reference/bundled-regimes.md"
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "rongcheng.toml")
    assert err.value.field == "provenance.scoring.base.source"
    assert "missing source" in err.value.reason


def test_a_reform_that_overrides_a_value_without_provenance_is_refused_naming_the_key(
    tmp_path: Path,
) -> None:
    reform = tmp_path / "r.toml"
    reform.write_text(
        '[reform]\nid = "r"\nname = "r"\nbase = "fcra-us"\n[dispute]\nresolve_days = 15\n'
    )
    with pytest.raises(RegimeInvalid) as err:
        load_regime(reform)
    assert err.value.field == "dispute.resolve_days"
    assert "stale provenance" in err.value.reason


def test_built_in_reforms_name_their_base_and_override_only_some_values() -> None:
    six = load_regime("rongcheng-six-classes")
    base = load_regime("rongcheng")
    assert six.raw["regime"]["reform_of"] == "rongcheng"
    assert [b.name for b in six.require_lab().bands] == ["AAA", "AA", "A", "B", "C", "D"]
    assert six.require_lab().scoring == base.require_lab().scoring
    high = load_regime("fcra-consent-high-dispute").require_lab()
    assert (
        high.dispute.file_share_per_year
        == 2 * load_regime("fcra-consent").require_lab().dispute.file_share_per_year
    )


def test_scoring_an_inadmissible_category_is_refused() -> None:
    doc = raw("fcra-consent")
    doc["scoring"]["items"]["traffic_offence"] = -10
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    assert err.value.field == "scoring.items.traffic_offence"
    assert "admissible" in err.value.reason


def test_bands_out_of_order_are_refused() -> None:
    doc = raw("fcra-us")
    doc["bands"].reverse()
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "broken.toml")
    assert "bands" in {f for f, _ in err.value.problems}


def test_a_copied_and_edited_regime_file_runs_the_what_if(tmp_path: Path) -> None:
    doc = copy.deepcopy(raw("fcra-consent"))
    doc["regime"]["id"] = "fcra-consent-15-days"
    doc = with_assumption(doc, "dispute.resolve_days", 15, "a what-if of this test")
    regime = load_regime(write_toml(tmp_path / "what-if.toml", doc))
    assert regime.id == "fcra-consent-15-days"
    assert regime.require_lab().dispute.resolve_days == 15
    assert regime.live is not None and regime.live.dispute.resolve_days == 15


def test_an_unknown_builtin_names_the_choices() -> None:
    with pytest.raises(RegimeError) as err:
        load_regime("no-such-regime")
    assert "rongcheng" in str(err.value)


def test_the_lab_cannot_run_other_periods_than_the_live_service() -> None:
    doc = raw("fcra-consent")
    doc["data"]["retention_years"]["collection"] = 5
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "fcra-consent.toml")
    assert err.value.field == "data.retention_years.collection"


def test_a_misspelt_field_in_a_what_if_copy_is_refused_not_ignored() -> None:
    doc = raw("fcra-us")
    doc["dispute"]["resolve_dayz"] = 15
    with pytest.raises(RegimeInvalid) as err:
        parse_regime(doc, "what-if.toml")
    assert err.value.field == "dispute.resolve_dayz"
    assert err.value.reason == "unknown field"


def test_a_new_live_setting_in_fcra_consent_does_not_break_the_lab() -> None:
    doc = raw("fcra-consent")
    doc["consent"] = {"grant_max_uses": 1}
    doc["dispute"]["new_live_deadline_days"] = 10
    regime = parse_regime(doc, "fcra-consent.toml")
    assert regime.live is not None and regime.lab is not None
