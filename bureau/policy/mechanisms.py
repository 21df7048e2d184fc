"""The regime-file sections beyond bands and scoring: rewards, opt-in, opacity, reach, joint
punishment and indicators collected.

Why a section each, parsed here: these are mechanisms the seeds describe but a band table
cannot say (a perk is not the absence of a restriction; a person who never signed up is not
scored; a decline only reaches a job when the employer uses the report). Each is optional, and
a regime without the section behaves exactly as before. Every value still needs its
`[provenance]` entry, so the sensitivity screen varies the assumed ones with the others.

    [rewards]             # band name -> life domains where that band earns a benefit
    perks = ["credit", "housing", "travel"]
    [participation]       # present: the regime is opt-in; take_up is the share who join
    take_up = 0.5
    [opacity]             # an opaque score: share of people with a false record who can
    locate_share = 0.1    #   tell which record moved it (only they can dispute it)
    [domain_reach]        # domain -> share of restricted people the restriction reaches
    jobs = 0.3
    [[joint]]             # joint punishment: a listing on `source` restricts `domains` here
    name = "spc-credit"
    source = "spc-blacklist"
    domains = ["credit"]
    delay_days = 0        # from the listing's start
    lift_days = 3         # after the listing ends
    [indicators]          # indicators the regime collects: per person, and per account held
    per_person = 391
    per_account = 0
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bureau.policy.catalogue import DOMAINS
from bureau.policy.representatives import CompanyRule, parse_company_rule

Problems = list[tuple[str, str]]


@dataclass(frozen=True)
class JointRule:
    """An entry on `source`'s list restricts `domains` under this regime, from `delay_days`
    after the listing starts until `lift_days` after it ends."""

    name: str
    source: str
    domains: frozenset[str]
    delay_days: int
    lift_days: int


@dataclass(frozen=True)
class Indicators:
    per_person: int
    per_account: int

    @property
    def collected(self) -> int:
        """Distinct indicators the regime's file format holds (one account's worth)."""
        return self.per_person + self.per_account


@dataclass(frozen=True)
class Mechanisms:
    rewards: dict[str, frozenset[str]] = field(default_factory=dict)  # band -> domains
    take_up: float | None = None  # None: not opt-in, everyone is scored
    locate_share: float | None = None  # None: not opaque beyond the bands
    reach: dict[str, float] = field(default_factory=dict)  # domain -> share reached
    joint: tuple[JointRule, ...] = ()
    indicators: Indicators | None = None
    companies: CompanyRule | None = None  # companies as subjects (representatives.py)


# Keys of the single tables, so a misspelt key is an error rather than ignored.
TABLE_KEYS: dict[str, set[str]] = {
    "participation": {"take_up"},
    "opacity": {"locate_share"},
    "indicators": {"per_person", "per_account"},
}
JOINT_KEYS = {"name", "source", "domains", "delay_days", "lift_days"}


def _number(
    table: dict[str, Any], path: str, problems: Problems, lo: float, hi: float | None = None
) -> float:
    value = table.get(path.rsplit(".", 1)[-1])
    if value is None:
        problems.append((path, "missing"))
        return lo
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        problems.append((path, f"expected a number, got {value!r}"))
        return lo
    if value < lo or (hi is not None and value > hi):
        span = f"from {lo:g} to {hi:g}" if hi is not None else f"at least {lo:g}"
        problems.append((path, f"must be {span}, got {value!r}"))
        return lo
    return float(value)


def _domains(value: Any, path: str, problems: Problems) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append((path, "expected a list of domain names"))
        return frozenset()
    for name in value:
        if name not in DOMAINS:
            problems.append((path, f"unknown domain {name!r} (known: {', '.join(DOMAINS)})"))
    return frozenset(v for v in value if v in DOMAINS)


def _table(doc: dict[str, Any], name: str, problems: Problems) -> dict[str, Any] | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append((name, "expected a table"))
        return None
    for key in value:
        if name in TABLE_KEYS and key not in TABLE_KEYS[name]:
            problems.append((f"{name}.{key}", "unknown field"))
    return value


def named_tables(
    raw: list[Any], root: str, keys: set[str], problems: Problems
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """The named tables of an array (`[[joint]]`, `[[changes]]`): (name, dotted path, table),
    each checked for a name and for unknown keys; the unnamed ones are reported and skipped."""
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append((f"{root}.{i}", "expected a table"))
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            problems.append((f"{root}.{i}.name", "missing or empty"))
            continue
        path = f"{root}.{name}"
        for key in item:
            if key not in keys:
                problems.append((f"{path}.{key}", "unknown field"))
        yield name, path, item


def _joint(doc: dict[str, Any], regime_id: str, problems: Problems) -> tuple[JointRule, ...]:
    raw = doc.get("joint", [])
    if not isinstance(raw, list):
        problems.append(("joint", "expected a list of [[joint]] tables"))
        return ()
    rules: list[JointRule] = []
    for name, path, item in named_tables(raw, "joint", JOINT_KEYS, problems):
        source = item.get("source")
        if not isinstance(source, str) or not source:
            problems.append((f"{path}.source", "missing: the id of the regime whose list counts"))
            continue
        if source == regime_id:
            problems.append((f"{path}.source", "a regime cannot jointly punish its own list"))
            continue
        domains = _domains(item.get("domains"), f"{path}.domains", problems)
        delay = _number(item, f"{path}.delay_days", problems, 0)
        lift = _number(item, f"{path}.lift_days", problems, 0)
        rules.append(JointRule(name, source, domains, round(delay), round(lift)))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        problems.append(("joint", "joint rule names must be unique"))
    return tuple(rules)


def parse_mechanisms(doc: dict[str, Any], band_names: set[str], problems: Problems) -> Mechanisms:
    """The optional sections of a regime document; every problem is appended to `problems`."""
    rewards: dict[str, frozenset[str]] = {}
    table = _table(doc, "rewards", problems)
    for band, domains in (table or {}).items():
        if band not in band_names:
            problems.append((f"rewards.{band}", f"no band named {band!r}"))
            continue
        rewards[band] = _domains(domains, f"rewards.{band}", problems)
    part = _table(doc, "participation", problems)
    take_up = _number(part, "participation.take_up", problems, 0, 1) if part is not None else None
    opaque = _table(doc, "opacity", problems)
    locate = _number(opaque, "opacity.locate_share", problems, 0, 1) if opaque is not None else None
    if locate is not None and doc.get("disclosure", {}).get("full_file") is True:
        problems.append(
            ("opacity", "a regime that shows the whole file lets the subject find the record")
        )
    reach: dict[str, float] = {}
    table = _table(doc, "domain_reach", problems)
    for domain in table or {}:
        if domain not in DOMAINS:
            problems.append((f"domain_reach.{domain}", "unknown domain"))
            continue
        reach[domain] = _number(table or {}, f"domain_reach.{domain}", problems, 0, 1)
    regime_id = str(doc.get("regime", {}).get("id", ""))
    ind = _table(doc, "indicators", problems)
    indicators = None
    if ind is not None:
        indicators = Indicators(
            per_person=round(_number(ind, "indicators.per_person", problems, 0)),
            per_account=round(_number(ind, "indicators.per_account", problems, 0)),
        )
    return Mechanisms(
        rewards=rewards,
        take_up=take_up,
        locate_share=locate,
        reach=reach,
        joint=_joint(doc, regime_id, problems),
        indicators=indicators,
        companies=parse_company_rule(doc, problems),
    )
