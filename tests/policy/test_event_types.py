"""A new life event is data: defined in a population file, scored by a regime, no Python."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bureau.policy.lab import compare, resolve_regimes
from bureau.policy.population import (
    draw_population,
    event_stream,
    load_population_params,
    parse_population_params,
)
from bureau.policy.regime import RegimeInvalid
from tests.policy.fast import BURN_IN, PEOPLE

FARE_DODGING_TABLES = """
[event_types.fare_dodging]
category = "civic_conduct"
nature = "adverse"
description = "riding a train or bus without a ticket"

[events.fare_dodging]
rate = 0.05
driver = "own"
repayment_correlation = 0.6
spread = 1.0
enforced = false
"""
FARE_DODGING_PROVENANCE = """
"events.fare_dodging.rate" = { status = "assumed", value = 0.05, unit = "events per person-year", range = [0.02, 0.1], note = "a researcher's what-if" }
"events.fare_dodging.driver" = { status = "assumed", value = "own", unit = "name", note = "its own propensity" }
"events.fare_dodging.repayment_correlation" = { status = "assumed", value = 0.6, unit = "correlation coefficient", range = [0.0, 0.9], note = "what if fare-dodging did predict repayment" }
"events.fare_dodging.spread" = { status = "assumed", value = 1.0, unit = "SD of the log-normal multiplier", range = [0.5, 1.5], note = "concentrated in a minority" }
"events.fare_dodging.enforced" = { status = "assumed", value = false, unit = "flag", note = "ticket checks see everyone" }
"""

SCORES_FARE_DODGING = """
[regime]
id = "fare-list"
name = "A county that deducts for fare-dodging"

[data]
admissible = ["civic_conduct"]

[data.retention_years]
civic_conduct = 2

[access]
basis = "none"

[disclosure]
full_file = false
each_access = false

[scoring]
kind = "points"
base = 1000
min = 0
max = 1000
transparent = true

[scoring.items]
fare_dodging = -20

[[bands]]
name = "clear"
min = 1000
domains = []

[[bands]]
name = "lost points"
min = 0
domains = ["travel"]

[dispute]
available = false
resolve_days = 30
file_share_per_year = 0.0
success_share = 0.0

[notice]
before_adverse = false
compliance = 0.0
dispute_boost = 1

[provenance]
"data" = { status = "assumed", value = { admissible = ["civic_conduct"], retention_years = { civic_conduct = 2 } }, unit = "table", note = "a what-if regime for the test" }
"access" = { status = "assumed", value = { basis = "none" }, unit = "table", note = "a what-if regime for the test" }
"disclosure" = { status = "assumed", value = { full_file = false, each_access = false }, unit = "table", note = "a what-if regime for the test" }
"scoring" = { status = "assumed", value = { kind = "points", base = 1000, min = 0, max = 1000, transparent = true, items = { fare_dodging = -20 } }, unit = "table", note = "a what-if regime for the test" }
"bands" = { status = "assumed", value = [{ name = "clear", min = 1000, domains = [] }, { name = "lost points", min = 0, domains = ["travel"] }], unit = "table", note = "a what-if regime for the test" }
"dispute" = { status = "assumed", value = { available = false, resolve_days = 30, file_share_per_year = 0.0, success_share = 0.0 }, unit = "table", note = "a what-if regime for the test" }
"notice" = { status = "assumed", value = { before_adverse = false, compliance = 0.0, dispute_boost = 1 }, unit = "table", note = "a what-if regime for the test" }
"""


def population_text() -> str:
    """The bundled population file with fare-dodging defined (its [provenance] comes last)."""
    text = (resources.files("bureau.policy") / "population.toml").read_text("utf-8")
    head, tail = text.split("\n[provenance]\n")
    return f"{head}{FARE_DODGING_TABLES}\n[provenance]\n{tail}{FARE_DODGING_PROVENANCE}"


def with_fare_dodging() -> dict[str, Any]:
    return tomllib.loads(population_text())


def test_a_regime_scoring_fare_dodging_runs_end_to_end_from_the_population_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "population.toml").write_text(population_text(), "utf-8")
    params = load_population_params(tmp_path / "population.toml")
    regime_file = tmp_path / "fare-list.toml"
    regime_file.write_text(SCORES_FARE_DODGING, "utf-8")
    regimes = resolve_regimes([str(regime_file), "suining"], params.event_types)
    result = compare(regimes, PEOPLE, years=1, seed=3, params=params, burn_in_years=BURN_IN)
    fare, suining = result.regimes
    # Fare-dodgers lose points and are restricted in travel; Suining, which does not score
    # the event but admits its category, holds the records as data.
    assert 0 < fare.share_sanctioned < 0.5
    assert fare.domain_shares["travel"] == fare.share_sanctioned
    assert fare.data_points_per_person > 0
    assert suining.regime == "suining"


def test_without_the_population_file_a_regime_naming_the_event_is_refused(
    tmp_path: Path,
) -> None:
    regime_file = tmp_path / "fare-list.toml"
    regime_file.write_text(SCORES_FARE_DODGING, "utf-8")
    with pytest.raises(RegimeInvalid) as err:
        resolve_regimes([str(regime_file)])
    assert ("scoring.items.fare_dodging", "unknown event") in err.value.problems


def test_a_defined_event_correlates_with_repayment_risk_as_configured() -> None:
    params = parse_population_params(with_fare_dodging(), "test")
    pop = draw_population(20_000, seed=5, params=params)
    r = float(np.corrcoef(pop.own["fare_dodging"], pop.risk)[0, 1])
    assert r == pytest.approx(0.6, abs=0.03)
    counts = np.zeros(pop.size)
    for ev in event_stream(pop, 24):
        counts[ev.get("fare_dodging").idx] += 1
    riskier = pop.risk > 1
    assert counts[riskier].mean() > 2 * counts[pop.risk < -1].mean()
    assert counts.sum() / pop.size / 2 == pytest.approx(0.05, rel=0.15)


def test_defining_an_event_leaves_the_built_in_events_draws_unchanged() -> None:
    plain = draw_population(500, seed=9)
    defined = draw_population(500, seed=9, params=parse_population_params(with_fare_dodging(), "t"))
    for a, b in zip(event_stream(plain, 6), event_stream(defined, 6), strict=True):
        assert np.array_equal(a.get("littering").idx, b.get("littering").idx)
        assert np.array_equal(a.error("default").idx, b.error("default").idx)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d["event_types"]["fare_dodging"].update(category="buses"), "category", ""),
        (lambda d: d["event_types"]["fare_dodging"].update(nature="bad"), "nature", ""),
        (lambda d: d["events"]["fare_dodging"].pop("repayment_correlation"), "", "needs it"),
        (lambda d: d["event_types"].pop("fare_dodging"), "", "define it"),
    ],
)
def test_a_malformed_event_definition_names_the_field(change: Any, field: str, reason: str) -> None:
    doc = with_fare_dodging()
    change(doc)
    with pytest.raises(RegimeInvalid) as err:
        parse_population_params(doc, "test")
    assert any(field in f and reason in r for f, r in err.value.problems), err.value.problems


def test_a_defined_event_may_not_reuse_a_built_in_name() -> None:
    doc = with_fare_dodging()
    doc["event_types"]["littering"] = {"category": "civic_conduct", "nature": "adverse"}
    with pytest.raises(RegimeInvalid) as err:
        parse_population_params(doc, "test")
    assert ("event_types.littering", "already a built-in event; choose another name") in (
        err.value.problems
    )
