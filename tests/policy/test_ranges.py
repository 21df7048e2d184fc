"""A plausible range either cites where it comes from or is labelled an assumption."""

from __future__ import annotations

import pytest

from bureau.policy.lab import resolve_regimes
from bureau.policy.population import load_population_params
from bureau.policy.provenance import parse_entry, passages


def test_ranges_the_sources_give_cite_them_and_the_rest_are_labelled_assumed() -> None:
    regimes = resolve_regimes(["all"])
    entries = [e for r in regimes for e in r.require_lab().provenance.values()]
    entries += list(load_population_params().provenance.values())
    sourced = [e for e in entries if e.range_source]
    assert len(sourced) >= 10
    for e in entries:
        if e.range is None or e.range[0] == e.range[1]:
            continue
        label = e.range_label()
        if e.range_source:
            assert e.range_source in passages() and f"from {e.range_source}" in label
        else:
            assert "range assumed" in label, e.path


def test_the_fcra_inquiry_range_is_what_the_disclosure_rule_lists() -> None:
    fcra = resolve_regimes(["fcra-us"])[0].require_lab().provenance
    entry = fcra["data.retention_years.inquiry"]
    assert entry.range == (1.0, 2.0) and entry.range_source == "fcra.md#disclosure"


@pytest.mark.parametrize(
    ("extra", "field", "reason"),
    [
        ({"range_source": "nowhere.md#x"}, "range_source", "missing source"),
        (
            {"range_source": "fcra.md#disclosure", "range_sha256": "000000000000"},
            "range_sha256",
            "stale source",
        ),
    ],
)
def test_a_range_source_that_is_missing_or_stale_is_refused_naming_the_field(
    extra: dict[str, str], field: str, reason: str
) -> None:
    raw = {"status": "assumed", "value": 2, "unit": "years", "range": [1, 2]}
    raw |= {"note": "a range read from a passage"} | extra
    problems: list[tuple[str, str]] = []
    parse_entry("data.retention_years.inquiry", raw, problems)
    assert any(
        f == f"provenance.data.retention_years.inquiry.{field}" and reason in r for f, r in problems
    ), problems
