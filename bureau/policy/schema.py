"""The lab sections of a regime file: schema, validation and typed view.

Why collect every problem instead of stopping at the first: a researcher editing a copy of a
regime ("what if disputes had 15 days?") should see all mistakes in one run, each naming the
field (`scoring.items.litering: unknown event`) and the reason.

Every parameter must also say where it comes from: the `[provenance]` table maps a dotted field
path (or one of its parent tables) to a structured entry (provenance.py): a passage shipped in
`bureau/policy/sources/`, or an assumption with its reason and range. A number nobody can
trace, or whose provenance is stale, is refused.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bureau.policy.budgets import Budget, parse_budgets
from bureau.policy.catalogue import (
    ACCESS_BASES,
    CATEGORIES,
    DOMAINS,
    EVENT_BY_NAME,
    SCORING_KINDS,
    STATIC_SIGNALS,
    EventType,
)
from bureau.policy.changes import Calendar, parse_calendar
from bureau.policy.mechanisms import Mechanisms, parse_mechanisms
from bureau.policy.merits import MeritRules, parse_merits
from bureau.policy.procedure import Procedure, parse_procedure
from bureau.policy.provenance import Provenance, check_provenance

UNKNOWN_EVENT = "unknown event"
# Fields that describe the file rather than the law, so need no source.
UNSOURCED_ROOTS = ("regime", "provenance", "reform")


@dataclass(frozen=True)
class Band:
    name: str
    min: float
    domains: frozenset[str]


@dataclass(frozen=True)
class Cap:
    """While an event of this kind is held, the standing is held at or below `band`."""

    event: str
    band: str
    years: float


@dataclass(frozen=True)
class Scoring:
    kind: str
    base: float
    low: float
    high: float
    transparent: bool
    items: dict[str, float]
    recovery_years: dict[str, float]
    static: dict[str, float]
    additions_cap_per_year: float | None
    caps: tuple[Cap, ...]


@dataclass(frozen=True)
class Listing:
    entry_events: tuple[str, ...]
    years: float
    notice_days: int
    lift_days: int
    extension_share: float
    extension_years: float


@dataclass(frozen=True)
class LabDispute:
    available: bool
    resolve_days: int
    file_share_per_year: float
    success_share: float


@dataclass(frozen=True)
class Notice:
    before_adverse: bool
    compliance: float
    dispute_boost: float


@dataclass(frozen=True)
class Lab:
    """What the simulator needs from a regime."""

    admissible: frozenset[str]
    retention_years: dict[str, float]
    access_basis: str
    full_disclosure: bool
    each_access_shown: bool  # the subject is shown every access and the items it used
    freeze_available: bool  # the subject may freeze the file against new users
    scoring: Scoring
    listing: Listing | None
    bands: tuple[Band, ...]  # highest `min` first
    dispute: LabDispute
    notice: Notice
    provenance: dict[str, Provenance]
    # Rewards, opt-in, opacity, reach, joint punishment, indicators (mechanisms.py).
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    budgets: tuple[Budget, ...] = ()  # point budgets (budgets.py)
    procedure: Procedure | None = None  # the blacklist's procedure (procedure.py)
    calendar: Calendar | None = None  # dated changes (changes.py)
    merits: MeritRules | None = None  # self-reported merits, household plaques (merits.py)

    @property
    def reproducible(self) -> bool:
        """Can the subject recompute their standing from what they are shown?"""
        return self.full_disclosure and self.scoring.transparent


class _Checker:
    """Reads typed values out of a TOML document, recording problems instead of raising."""

    def __init__(self, doc: dict[str, Any], events: Mapping[str, EventType] | None = None) -> None:
        self.doc = doc
        self.problems: list[tuple[str, str]] = []
        # The events a regime may name: the catalogue's, and a population file's defined ones.
        self.events: Mapping[str, EventType] = EVENT_BY_NAME if events is None else events

    def fail(self, field: str, reason: str) -> None:
        self.problems.append((field, reason))

    def table(self, path: str, *, required: bool = True) -> dict[str, Any]:
        node: Any = self.doc
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            if required:
                self.fail(path, "missing table")
            return {}
        if not isinstance(node, dict):
            self.fail(path, "expected a table")
            return {}
        return node

    def number(
        self,
        table: dict[str, Any],
        path: str,
        *,
        lo: float | None = None,
        hi: float | None = None,
        default: float | None = None,
    ) -> float:
        key = path.rsplit(".", 1)[-1]
        if key not in table:
            if default is not None:
                return default
            self.fail(path, "missing")
            return 0.0
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"expected a number, got {value!r}")
            return 0.0
        if math.isnan(value):
            self.fail(path, "must be a number, not nan")
            return 0.0
        if lo is not None and value < lo:
            self.fail(path, f"must be at least {lo:g}, got {value!r}")
        if hi is not None and value > hi:
            self.fail(path, f"must be at most {hi:g}, got {value!r}")
        return float(value)

    def flag(self, table: dict[str, Any], path: str) -> bool:
        key = path.rsplit(".", 1)[-1]
        value = table.get(key)
        if not isinstance(value, bool):
            self.fail(
                path, "missing" if value is None else f"expected true or false, got {value!r}"
            )
            return False
        return value

    def choice(self, table: dict[str, Any], path: str, options: tuple[str, ...]) -> str:
        key = path.rsplit(".", 1)[-1]
        value = table.get(key)
        if value not in options:
            self.fail(path, f"expected one of {', '.join(options)}, got {value!r}")
            return options[0]
        return str(value)

    def names(
        self, value: Any, path: str, known: frozenset[str] | tuple[str, ...], what: str
    ) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(path, f"expected a list of {what} names")
            return []
        for name in value:
            if name not in known:
                self.fail(path, f"unknown {what} {name!r}")
        return [v for v in value if v in known]

    def event_map(
        self, table: dict[str, Any], path: str, *, lo: float | None = None
    ) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in table:
            if name not in self.events:
                self.fail(f"{path}.{name}", UNKNOWN_EVENT)
                continue
            out[name] = self.number(table, f"{path}.{name}", lo=lo)
        return out


def _bands(check: _Checker, scoring: Scoring) -> tuple[Band, ...]:
    raw = check.doc.get("bands")
    if not isinstance(raw, list) or not raw:
        check.fail("bands", "expected at least one [[bands]] entry")
        return ()
    bands: list[Band] = []
    for i, item in enumerate(raw):
        path = f"bands.{item.get('name', i) if isinstance(item, dict) else i}"
        if not isinstance(item, dict):
            check.fail(path, "expected a table")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            check.fail(f"bands.{i}.name", "missing or empty")
            continue
        low = check.number(item, f"{path}.min")
        domains = check.names(item.get("domains"), f"{path}.domains", DOMAINS, "domain")
        bands.append(Band(name, low, frozenset(domains)))
    mins = [b.min for b in bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        check.fail("bands", "list bands from the highest `min` down, each `min` different")
    if bands and bands[-1].min > scoring.low:
        check.fail(f"bands.{bands[-1].name}.min", "the lowest band must cover scoring.min")
    names = [b.name for b in bands]
    if len(set(names)) != len(names):
        check.fail("bands", "band names must be unique")
    return tuple(bands)


def _scoring(check: _Checker, admissible: frozenset[str]) -> Scoring:
    t = check.table("scoring")
    kind = check.choice(t, "scoring.kind", SCORING_KINDS)
    low = check.number(t, "scoring.min")
    high = check.number(t, "scoring.max")
    if high <= low:
        check.fail("scoring.max", "must be greater than scoring.min")
    base = check.number(t, "scoring.base", lo=low, hi=high)
    items = check.event_map(check.table("scoring.items", required=kind != "list"), "scoring.items")
    for name in items:
        if check.events[name].category not in admissible:
            check.fail(
                f"scoring.items.{name}",
                f"scores an event of category {check.events[name].category!r}, "
                "which data.admissible does not admit",
            )
    recovery = check.event_map(
        check.table("scoring.recovery_years", required=False), "scoring.recovery_years", lo=0
    )
    static: dict[str, float] = {}
    for name in check.table("scoring.static", required=False):
        path = f"scoring.static.{name}"
        if name not in STATIC_SIGNALS:
            check.fail(path, f"unknown signal (known: {', '.join(STATIC_SIGNALS)})")
            continue
        static[name] = check.number(t["static"], path)
        if STATIC_SIGNALS[name] not in admissible:
            check.fail(path, f"uses category {STATIC_SIGNALS[name]!r}, not in data.admissible")
    cap = None
    if "additions_cap_per_year" in t:
        cap = check.number(t, "scoring.additions_cap_per_year", lo=0)
    caps: list[Cap] = []
    raw_caps = t.get("caps", [])
    if not isinstance(raw_caps, list):
        check.fail("scoring.caps", "expected a list of [[scoring.caps]] tables")
        raw_caps = []
    for i, item in enumerate(raw_caps):
        path = f"scoring.caps.{i}"
        if not isinstance(item, dict):
            check.fail(path, "expected a table")
            continue
        event = item.get("event")
        if event not in check.events:
            check.fail(f"{path}.event", f"unknown event {event!r}")
            continue
        band = item.get("band")
        if not isinstance(band, str):
            check.fail(f"{path}.band", "missing band name")
            continue
        caps.append(Cap(str(event), band, check.number(item, f"{path}.years", lo=0)))
    return Scoring(
        kind=kind,
        base=base,
        low=low,
        high=high,
        transparent=check.flag(t, "scoring.transparent"),
        items=items,
        recovery_years=recovery,
        static=static,
        additions_cap_per_year=cap,
        caps=tuple(caps),
    )


def _listing(check: _Checker) -> Listing:
    t = check.table("listing")
    events = check.names(
        t.get("entry_events"), "listing.entry_events", tuple(check.events), "event"
    )
    return Listing(
        entry_events=tuple(events),
        years=check.number(t, "listing.years", lo=0),
        notice_days=int(check.number(t, "listing.notice_days", lo=0)),
        lift_days=int(check.number(t, "listing.lift_days", lo=0)),
        extension_share=check.number(t, "listing.extension_share", lo=0, hi=1),
        extension_years=check.number(t, "listing.extension_years", lo=0),
    )


def leaf_paths(doc: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted paths of every parameter; arrays of tables are keyed by their `name`/`event`."""
    for key, value in doc.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaf_paths(value, f"{path}.")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                label = item.get("name", i)
                rest = {k: v for k, v in item.items() if k != "name"}  # a label, not a value
                yield from leaf_paths(rest, f"{path}.{label}.")
        else:
            yield path


def _provenance(check: _Checker, lab_only: bool) -> dict[str, Provenance]:
    """Every parameter's provenance, checked (see provenance.py). With `lab_only` (a live
    regime) the live service's own tables are left to its loader, so adding a live setting
    never breaks the lab."""
    lab_roots = set(LAB_KEYS) | {"bands"}

    def needs_source(leaf: str) -> bool:
        root, _, rest = leaf.partition(".")
        if root in UNSOURCED_ROOTS:
            return False
        if not lab_only or root == "bands" or root in MECHANISM_ROOTS + PROCEDURE_ROOTS:
            return True
        return root in lab_roots and rest.split(".")[0] in LAB_KEYS[root]

    leaves = [leaf for leaf in leaf_paths(check.doc) if needs_source(leaf)]
    return check_provenance(check.doc, leaves, check.problems, needs_source)


# Keys each lab table may hold, so a misspelt key ("resolve_dayz") is an error, not ignored.
LAB_KEYS: dict[str, set[str]] = {
    "data": {"admissible", "retention_years"},
    "access": {"basis"},
    "disclosure": {"full_file", "each_access"},
    "freeze": {"available"},
    "scoring": {
        "kind",
        "base",
        "min",
        "max",
        "transparent",
        "items",
        "recovery_years",
        "static",
        "additions_cap_per_year",
        "caps",
    },
    "listing": {
        "entry_events",
        "years",
        "notice_days",
        "lift_days",
        "extension_share",
        "extension_years",
    },
    "dispute": {"available", "resolve_days", "file_share_per_year", "success_share"},
    "notice": {"before_adverse", "compliance", "dispute_boost"},
}
BAND_KEYS = {"name", "min", "domains"}
# The optional sections mechanisms.py reads: sourced in a live regime too (the lab owns them).
MECHANISM_ROOTS = (
    "rewards",
    "participation",
    "opacity",
    "domain_reach",
    "joint",
    "indicators",
    "companies",
)
# The blacklist's procedure, dated changes, merits and plaques (procedure.py, changes.py,
# merits.py): sourced like the mechanisms.
PROCEDURE_ROOTS = ("procedure", "calendar", "changes", "merits", "plaques")
CAP_KEYS = {"event", "band", "years"}


def _unknown_keys(check: _Checker, shared: frozenset[str]) -> None:
    for table, allowed in LAB_KEYS.items():
        value = check.doc.get(table)
        if table in shared:
            continue  # the live service owns these tables too; its loader checks its keys
        if isinstance(value, dict):
            for key in value:
                if key not in allowed:
                    check.fail(f"{table}.{key}", "unknown field")
    for name, items, allowed in (
        ("bands", check.doc.get("bands"), BAND_KEYS),
        ("scoring.caps", check.doc.get("scoring", {}).get("caps"), CAP_KEYS),
    ):
        if isinstance(items, list):
            for i, item in enumerate(items):
                for key in item if isinstance(item, dict) else ():
                    if key not in allowed:
                        check.fail(f"{name}.{i}.{key}", "unknown field")


def _band_ranges_keep_order(
    check: _Checker, bands: tuple[Band, ...], provenance: dict[str, Provenance]
) -> None:
    """A sensitivity run draws each band's `min` from its range; neighbouring ranges must not
    overlap, or a draw could put the bands out of order."""

    def span(band: Band) -> tuple[float, float]:
        entry = provenance.get(f"bands.{band.name}.min")
        return entry.range if entry is not None and entry.range else (band.min, band.min)

    for upper, lower in itertools.pairwise(bands):
        if span(upper)[0] <= span(lower)[1]:
            check.fail(
                f"provenance.bands.{upper.name}.min.range",
                f"overlaps the range of band {lower.name}: a sensitivity draw could swap them",
            )


def parse_lab(
    doc: dict[str, Any],
    shared_tables: frozenset[str] = frozenset(),
    events: Mapping[str, EventType] | None = None,
) -> tuple[Lab | None, list[tuple[str, str]]]:
    """The lab view of a regime document and every problem found (empty when valid).

    `shared_tables` are tables the live service also reads (access, dispute in a live regime);
    other keys in them belong to the live service, so they are not reported as unknown.
    """
    check = _Checker(doc, events)
    _unknown_keys(check, shared_tables)
    data = check.table("data")
    admissible = frozenset(
        check.names(data.get("admissible"), "data.admissible", CATEGORIES, "data category")
    )
    retention: dict[str, float] = {}
    ret_table = check.table("data.retention_years")
    for cat in admissible:
        retention[cat] = check.number(ret_table, f"data.retention_years.{cat}", lo=0)
    for cat in ret_table:
        if cat not in admissible:
            check.fail(f"data.retention_years.{cat}", "retention for a category not admitted")
    access = check.table("access")
    basis = check.choice(access, "access.basis", ACCESS_BASES)
    disclosure = check.table("disclosure")
    full = check.flag(disclosure, "disclosure.full_file")
    each_access = check.flag(disclosure, "disclosure.each_access")
    # No [freeze] table means no freeze right (the Chinese regimes have none).
    freeze = check.table("freeze", required=False)
    freezable = check.flag(freeze, "freeze.available") if freeze else False
    scoring = _scoring(check, admissible)
    listing = _listing(check) if scoring.kind == "list" else None
    if scoring.kind == "list" and (scoring.low, scoring.high) != (0.0, 1.0):
        check.fail("scoring.min", "a list regime's standing runs from 0 (listed) to 1 (clear)")
    bands = _bands(check, scoring)
    band_names = {b.name for b in bands}
    for i, cap in enumerate(scoring.caps):
        if cap.band not in band_names:
            check.fail(f"scoring.caps.{i}.band", f"no band named {cap.band!r}")
    d = check.table("dispute")
    dispute = LabDispute(
        available=check.flag(d, "dispute.available"),
        resolve_days=int(check.number(d, "dispute.resolve_days", lo=1)),
        file_share_per_year=check.number(d, "dispute.file_share_per_year", lo=0, hi=1),
        success_share=check.number(d, "dispute.success_share", lo=0, hi=1),
    )
    n = check.table("notice")
    notice = Notice(
        before_adverse=check.flag(n, "notice.before_adverse"),
        compliance=check.number(n, "notice.compliance", lo=0, hi=1),
        dispute_boost=check.number(n, "notice.dispute_boost", lo=1),
    )
    mechanisms = parse_mechanisms(doc, band_names, check.problems)
    budgets = parse_budgets(check, scoring.items)
    procedure = None
    if listing is not None:
        procedure = parse_procedure(doc, listing.entry_events, set(check.events), check.problems)
    elif "procedure" in doc:
        check.fail("procedure", "only a list regime has a listing procedure")
    calendar = parse_calendar(doc, listing is not None, check.problems)
    merits = parse_merits(doc, check.problems)
    provenance = _provenance(check, lab_only=bool(shared_tables))
    _band_ranges_keep_order(check, bands, provenance)
    if check.problems:
        return None, check.problems
    return (
        Lab(
            admissible=admissible,
            retention_years=retention,
            access_basis=basis,
            full_disclosure=full,
            each_access_shown=each_access,
            freeze_available=freezable,
            scoring=scoring,
            listing=listing,
            bands=bands,
            dispute=dispute,
            notice=notice,
            provenance=provenance,
            mechanisms=mechanisms,
            budgets=budgets,
            procedure=procedure,
            calendar=calendar,
            merits=merits,
        ),
        [],
    )
