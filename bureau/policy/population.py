"""A synthetic population with a financial life and the non-financial events regimes record.

Why synthetic and why these traits: the comparison needs ground truth (who actually defaults,
which records are false) that no real data set provides. Each person has a repayment risk, a
propensity for recorded offences correlated with it only weakly (a stated, changeable
assumption), an income, an education, a protected-group flag, and draws life events month by
month. One population feeds every regime, so differences come from the regimes alone.

Everything is vectorised: arrays over people, a loop over months. Same seed, same numbers.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import EVENT_BY_NAME, EVENT_NAMES, EventType
from bureau.policy.companies import CompanyParams, parse_companies
from bureau.policy.event_types import (
    OWN_DRIVER,
    DefinedEvent,
    catalogue_with,
    event_rng,
    own_propensity,
    parse_event_types,
    repayment_correlation,
)
from bureau.policy.provenance import Provenance, check_provenance
from bureau.policy.reform import POPULATION_REFORM_KEYS, apply_population_reform, reform_head
from bureau.policy.regime import RegimeInvalid
from bureau.policy.schema import leaf_paths

DRIVERS = ("financial", "social", "civic", "income", "none", OWN_DRIVER)
DAYS_PER_YEAR = 365
NEVER = np.iinfo(np.int32).max

IntArray = NDArray[np.int32]
FloatArray = NDArray[np.float32]


def month_start_day(month: int) -> int:
    """Day number on which simulated month `month` starts (years of 365 days)."""
    return (month * DAYS_PER_YEAR) // 12


@dataclass(frozen=True)
class EventRate:
    rate: float
    driver: str
    spread: float
    enforced: bool


@dataclass(frozen=True)
class Behaviour:
    """What applicants and lenders do when a file is asked for (see decisions.py)."""

    freeze_share: float
    freeze_abandon_share: float
    grant_abandon_share: float
    refuse_share: float
    refuse_share_if_declined: float
    reads_items_share: float
    no_report_decline_share: float


@dataclass(frozen=True)
class PopulationParams:
    protected_share: float
    financial_social_correlation: float
    enforcement_ratio: float
    financial_risk_gap_sd: float
    income_gap_sd: float
    education_gap_sd: float
    income_risk_correlation: float
    social_education_correlation: float
    financial_error_prevalence: float
    prevalence_window_years: float
    other_false_record_share: float
    from_default_share: float
    perform_per_year: float
    perform_after_warning_share: float
    behaviour: Behaviour
    events: dict[str, EventRate]
    provenance: dict[str, Provenance] = field(default_factory=dict)
    source: str = "population.toml"
    # Events the population file defines beside the built-in catalogue (event_types.py).
    defined_events: dict[str, DefinedEvent] = field(default_factory=dict)
    # Companies drawn beside the people, each with a legal representative (companies.py).
    companies: CompanyParams | None = None

    @property
    def event_types(self) -> dict[str, EventType]:
        """Every event this population draws, built-in and defined, by name."""
        return catalogue_with(self.defined_events)

    @property
    def financial_false_item_rate(self) -> float:
        """False adverse financial items per person-year that give the FTC prevalence."""
        return -math.log(1.0 - self.financial_error_prevalence) / self.prevalence_window_years


def load_population_params(path: str | Path | None = None) -> PopulationParams:
    """The bundled population parameters, or a researcher's copy; problems name the field."""
    doc, source = population_document(path)
    return parse_population_params(doc, source)


def population_document(
    path: str | Path | None = None, seen: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    """The population file as a TOML document and its source label (for what-ifs on it).

    A population reform (`[reform] base = "population.toml"` and only the values it changes,
    each with its provenance) is laid over its base, the bundled file or a path beside it."""
    if path is None:
        text = (resources.files("bureau.policy") / "population.toml").read_text("utf-8")
        source = "population.toml"
    else:
        text = Path(path).read_text("utf-8")
        source = str(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegimeInvalid(source, [("toml", str(exc))]) from exc
    head = reform_head(doc)
    if head is None:
        return doc, source
    unknown = sorted(set(head) - POPULATION_REFORM_KEYS)
    if unknown:
        raise RegimeInvalid(source, [(f"reform.{unknown[0]}", "unknown field")])
    base = head.get("base")
    if not isinstance(base, str) or not base:
        raise RegimeInvalid(source, [("reform.base", "missing or empty")])
    if source in seen:
        raise RegimeInvalid(source, [("reform.base", "a reform cannot be its own base")])
    beside = Path(source).parent / base
    base_path = beside if path is not None and beside.exists() else None
    if base_path is None and base != "population.toml":
        raise RegimeInvalid(source, [("reform.base", f"no such population file: {base!r}")])
    base_doc, _ = population_document(base_path, (*seen, source))
    return apply_population_reform(base_doc, doc), source


def parse_population_params(doc: dict[str, Any], source: str) -> PopulationParams:
    problems: list[tuple[str, str]] = []

    def num(table: str, key: str, lo: float, hi: float) -> float:
        value = doc.get(table, {}).get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append((f"{table}.{key}", "missing" if value is None else "not a number"))
            return 0.0
        if not lo <= value <= hi:
            problems.append((f"{table}.{key}", f"must be between {lo:g} and {hi:g}"))
        return float(value)

    events: dict[str, EventRate] = {}
    raw_events = doc.get("events", {})
    defined = parse_event_types(doc, problems)
    for name in raw_events:
        if name not in EVENT_BY_NAME and name not in defined:
            problems.append(
                (f"events.{name}", "unknown event (define it in [event_types.NAME] first)")
            )
    correlations: dict[str, float | None] = {}
    for name in (*EVENT_NAMES, *defined):
        t = raw_events.get(name)
        if not isinstance(t, dict):
            problems.append((f"events.{name}", "missing table"))
            continue
        driver = t.get("driver")
        if driver not in DRIVERS:
            problems.append((f"events.{name}.driver", f"expected one of {', '.join(DRIVERS)}"))
        if driver == OWN_DRIVER and name in EVENT_BY_NAME:
            problems.append((f"events.{name}.driver", "'own' is for defined events only"))
        correlations[name] = repayment_correlation(raw_events, name, driver, problems)
        enforced = t.get("enforced")
        if not isinstance(enforced, bool):
            problems.append((f"events.{name}.enforced", "expected true or false"))
        events[name] = EventRate(
            rate=_event_num(t, name, "rate", 0, 12, problems),
            driver=str(driver),
            spread=_event_num(t, name, "spread", 0, 3, problems),
            enforced=bool(enforced),
        )
    # A defined event's type is a label (what it is), not a number to source; its rate is.
    leaves = [
        leaf for leaf in leaf_paths(doc) if leaf.split(".")[0] not in ("provenance", "event_types")
    ]
    provenance = check_provenance(doc, leaves, problems)
    params = PopulationParams(
        protected_share=num("population", "protected_share", 0, 1),
        financial_social_correlation=num("population", "financial_social_correlation", -1, 1),
        enforcement_ratio=num("population", "enforcement_ratio", 0, 10),
        financial_risk_gap_sd=num("population", "financial_risk_gap_sd", -3, 3),
        income_gap_sd=num("population", "income_gap_sd", -3, 3),
        education_gap_sd=num("population", "education_gap_sd", -3, 3),
        income_risk_correlation=num("population", "income_risk_correlation", -1, 1),
        social_education_correlation=num("population", "social_education_correlation", -1, 1),
        financial_error_prevalence=num("errors", "financial_error_prevalence", 0, 0.99),
        prevalence_window_years=num("errors", "prevalence_window_years", 0.1, 50),
        other_false_record_share=num("errors", "other_false_record_share", 0, 1),
        from_default_share=num("judgments", "from_default_share", 0, 1),
        perform_per_year=num("judgments", "perform_per_year", 0.01, 12),
        perform_after_warning_share=num("judgments", "perform_after_warning_share", 0, 1),
        behaviour=Behaviour(
            **{k: num("behaviour", k, 0, 1) for k in Behaviour.__dataclass_fields__}
        ),
        events=events,
        provenance=provenance,
        source=source,
        defined_events={
            name: DefinedEvent(d.type, correlations.get(name)) for name, d in defined.items()
        },
        companies=parse_companies(doc, problems),
    )
    if problems:
        raise RegimeInvalid(source, problems)
    return params


def _event_num(
    table: dict[str, Any], name: str, key: str, lo: float, hi: float, problems: list[Any]
) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        problems.append((f"events.{name}.{key}", f"expected a number between {lo:g} and {hi:g}"))
        return 0.0
    return float(value)


@dataclass
class EventBatch:
    """People (indices) with one event of a kind this month, and the day it happened."""

    idx: NDArray[np.int64]
    day: IntArray

    @staticmethod
    def empty() -> EventBatch:
        return EventBatch(np.zeros(0, np.int64), np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.idx)


@dataclass
class MonthEvents:
    """Everything that happened in one simulated month, true events and false records apart."""

    month: int
    true: dict[str, EventBatch]
    errors: dict[str, EventBatch]
    performed: EventBatch  # court judgments performed (paid) this month

    @property
    def first_day(self) -> int:
        return month_start_day(self.month)

    @property
    def end_day(self) -> int:
        return month_start_day(self.month + 1)

    def get(self, name: str) -> EventBatch:
        return self.true.get(name) or EventBatch.empty()

    def error(self, name: str) -> EventBatch:
        return self.errors.get(name) or EventBatch.empty()

    @staticmethod
    def build(
        month: int,
        true: dict[str, list[int]] | None = None,
        errors: dict[str, list[int]] | None = None,
        performed: dict[int, int] | None = None,
        day: int | None = None,
    ) -> MonthEvents:
        """Hand-made events (for tests and worked examples): people by index, on `day`."""
        at = month_start_day(month) if day is None else day

        def batch(people: list[int]) -> EventBatch:
            idx = np.asarray(people, np.int64)
            return EventBatch(idx, np.full(len(idx), at, np.int32))

        done = performed or {}
        return MonthEvents(
            month,
            {k: batch(v) for k, v in (true or {}).items()},
            {k: batch(v) for k, v in (errors or {}).items()},
            EventBatch(np.asarray(list(done), np.int64), np.asarray(list(done.values()), np.int32)),
        )


@dataclass
class Population:
    """People's fixed traits. Event probabilities are derived once, per event, per person."""

    params: PopulationParams
    seed: int
    protected: NDArray[np.bool_]
    risk: FloatArray  # repayment risk (z), higher = riskier
    conduct: FloatArray  # propensity for recorded offences (z)
    income: FloatArray
    education: FloatArray
    social: FloatArray
    history: FloatArray  # length of credit history (z)
    accounts: NDArray[np.int16]
    frozen: NDArray[np.bool_]  # keeps a security freeze on their file
    own: dict[str, FloatArray] = field(default_factory=dict)  # defined events' propensities

    @property
    def size(self) -> int:
        return len(self.risk)

    def signal(self, name: str) -> FloatArray:
        """A static trait by the name a composite score uses (catalogue.STATIC_SIGNALS)."""
        arr: FloatArray = getattr(self, name)
        return arr

    def monthly_probability(self, name: str) -> FloatArray:
        spec = self.params.events[name]
        driver = {
            "financial": self.risk,
            "social": self.conduct,
            "civic": -self.conduct,
            "income": self.income,
            "none": None,
            OWN_DRIVER: self.own.get(name),
        }[spec.driver]
        p = np.full(self.size, spec.rate / 12.0, np.float32)
        if driver is not None and spec.spread > 0:
            s = np.float32(spec.spread)
            p *= np.exp(s * driver - s * s / 2).astype(np.float32)
        if spec.enforced:
            p[self.protected] *= np.float32(self.params.enforcement_ratio)
        np.clip(p, 0.0, 1.0, out=p)
        return p


def draw_population(size: int, seed: int, params: PopulationParams | None = None) -> Population:
    """Draw `size` people; the same seed always gives the same people."""
    if size < 1:
        raise ValueError("population: size must be at least 1")
    params = params or load_population_params()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))

    def normal() -> FloatArray:
        return rng.standard_normal(size, dtype=np.float32)

    protected = rng.random(size) < params.protected_share
    g = protected.astype(np.float32)
    risk = normal() + np.float32(params.financial_risk_gap_sd) * g
    rho = np.float32(params.financial_social_correlation)
    conduct = rho * risk + np.sqrt(1 - rho * rho) * normal()
    c = np.float32(params.income_risk_correlation)
    income = c * risk + np.sqrt(1 - c * c) * normal() + np.float32(params.income_gap_sd) * g
    education = np.float32(0.5) * income + np.float32(math.sqrt(0.75)) * normal()
    education += np.float32(params.education_gap_sd) * g
    h = np.float32(params.social_education_correlation)
    social = h * education + np.sqrt(1 - h * h) * normal()
    history = normal()
    accounts = (1 + rng.poisson(2.5, size)).astype(np.int16)
    frozen = rng.random(size) < params.behaviour.freeze_share
    own = {
        name: own_propensity(seed, name, risk, d.repayment_correlation)
        for name, d in params.defined_events.items()
        if d.repayment_correlation is not None
    }
    return Population(
        params,
        seed,
        protected,
        risk,
        conduct,
        income,
        education,
        social,
        history,
        accounts,
        frozen,
        own,
    )


def event_stream(pop: Population, months: int) -> Iterator[MonthEvents]:
    """The population's life, month by month. Deterministic for a given population seed."""
    params = pop.params
    rng = np.random.default_rng(np.random.SeedSequence([pop.seed, 1]))
    n = pop.size
    stream = [e for e in EVENT_NAMES if not EVENT_BY_NAME[e].own_dice]
    probs = {name: pop.monthly_probability(name) for name in stream}
    # False records: financial items at the rate giving the FTC prevalence, other adverse
    # records as a share of their true rate; one draw decides who gets one, a second which.
    adverse = [e for e in stream if EVENT_BY_NAME[e].nature == "adverse"]
    financial = [e for e in adverse if EVENT_BY_NAME[e].category in FINANCIAL_CATEGORIES]
    fin_total = sum(params.events[e].rate for e in financial)
    error_rates = np.array(
        [
            params.financial_false_item_rate * params.events[e].rate / fin_total
            if e in financial
            else params.other_false_record_share * params.events[e].rate
            for e in adverse
        ]
    )
    error_total = float(error_rates.sum())
    error_weights = error_rates / error_total
    perform_rate = params.perform_per_year * np.exp(0.5 * pop.income - 0.125)
    perform_day = np.full(n, NEVER, np.int32)
    own = [e for e in EVENT_NAMES if EVENT_BY_NAME[e].own_dice] + list(params.defined_events)
    defined = {name: pop.monthly_probability(name) for name in own}
    types = params.event_types
    false_share = np.float32(params.other_false_record_share)
    defined_dice = {name: event_rng(pop.seed, name) for name in defined}
    for month in range(months):
        first, end = month_start_day(month), month_start_day(month + 1)
        length = end - first

        def days(k: int, first: int = first, length: int = length) -> IntArray:
            return (first + rng.integers(0, length, k)).astype(np.int32)

        true: dict[str, EventBatch] = {}
        for name in stream:
            idx = np.flatnonzero(rng.random(n, dtype=np.float32) < probs[name])
            true[name] = EventBatch(idx, days(len(idx)))
        # A share of defaults go to court and stay unperformed.
        dflt = true["default"]
        to_court = rng.random(len(dflt)) < params.from_default_share
        judged = true["judgment_unperformed"]
        idx = np.concatenate([judged.idx, dflt.idx[to_court]])
        day = np.concatenate([judged.day, dflt.day[to_court]])
        idx, first_pos = np.unique(idx, return_index=True)
        judged = EventBatch(idx, day[first_pos])
        true["judgment_unperformed"] = judged
        fresh = perform_day[judged.idx] == NEVER
        who = judged.idx[fresh]
        wait = rng.exponential(DAYS_PER_YEAR / perform_rate[who])
        perform_day[who] = judged.day[fresh] + np.minimum(wait, 10_000 * 365).astype(np.int32)
        due = np.flatnonzero(perform_day < end)
        performed = EventBatch(due, perform_day[due].copy())
        perform_day[due] = NEVER
        errors: dict[str, EventBatch] = {}
        hit = np.flatnonzero(rng.random(n, dtype=np.float32) < error_total / 12.0)
        kinds = rng.choice(len(adverse), size=len(hit), p=error_weights)
        for k, name in enumerate(adverse):
            sel = hit[kinds == k]
            errors[name] = EventBatch(sel, days(len(sel)))
        for name, p in defined.items():
            dice = defined_dice[name]
            idx = np.flatnonzero(dice.random(n, dtype=np.float32) < p)
            true[name] = EventBatch(
                idx, (first + dice.integers(0, length, len(idx))).astype(np.int32)
            )
            if types[name].nature == "adverse":
                # False records of it at the share other adverse records have (errors).
                wrong = np.flatnonzero(dice.random(n, dtype=np.float32) < p * false_share)
                errors[name] = EventBatch(
                    wrong, (first + dice.integers(0, length, len(wrong))).astype(np.int32)
                )
        yield MonthEvents(month, true, errors, performed)


FINANCIAL_CATEGORIES = frozenset({"tradeline", "collection", "bankruptcy", "inquiry"})
