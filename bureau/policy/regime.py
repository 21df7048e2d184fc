"""Load a regime (the law as data) from TOML and expose the parts the live service reads.

Why a typed view over the TOML: the bureau's deadlines and periods must come from the regime
file, not from constants in code, and a typo in a regime file must fail loudly at load time
with the name of the field, not silently at the first dispute.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bureau.policy.catalogue import EventType
from bureau.policy.reform import REFORM_KEYS, apply_reform, reform_head
from bureau.policy.schema import Lab, parse_lab

LIVE_REGIME = "fcra-consent"
"""The regime the live service runs under unless FAIRFILE_REGIME names another."""
REGIME_ENV = "FAIRFILE_REGIME"
INQUIRY_KINDS = frozenset({"hard", "soft"})
_SEGMENT_ID = re.compile(r"[A-Z][0-9]")


class RegimeError(ValueError):
    """A regime file is missing a field or has a value of the wrong kind; names the field."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason


class RegimeInvalid(RegimeError):
    """Several problems in one regime file, all reported at once; `field` is the first."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        field, reason = problems[0]
        super().__init__(source, field, reason)
        self.problems = problems
        self.args = (
            f"{source}: {len(problems)} problem(s):\n"
            + "\n".join(f"  {f}: {r}" for f, r in problems),
        )


@dataclass(frozen=True)
class Retention:
    negative_item_years: int
    dofd_offset_days: int
    bankruptcy_years: int


@dataclass(frozen=True)
class Access:
    basis: str
    inquiry_lookback_days: int
    inquiry_lookback_days_employment: int
    consent_max_days: int


@dataclass(frozen=True)
class FraudAlerts:
    initial_days: int
    extended_days: int
    active_duty_days: int


@dataclass(frozen=True)
class DisputeRules:
    available: bool
    forward_business_days: int
    resolve_days: int
    resolve_days_extended: int
    frivolous_notice_business_days: int
    results_notice_business_days: int
    reinsertion_notice_business_days: int
    unverified_outcome: str
    deletion_business_days_after_due: int
    """An item still unverified leaves the file this many business days after its last day
    (0: the first business day on or after it)."""
    statement_max_words: int
    past_recipient_days: int
    past_recipient_days_employment: int
    furnisher_reminder_business_days: int


@dataclass(frozen=True)
class AdverseAction:
    notice_required: bool
    key_factors: int
    free_disclosure_days: int
    creditor_reasons_max: int
    """How many specific reasons of its own a user may give in an adverse-action notice."""


@dataclass(frozen=True)
class Erasure:
    """GDPR Art. 17: how long a closed file waits before its keys are destroyed. The wait lets
    a subject who closed by mistake reopen, and lets disputes and notices in flight end."""

    shred_after_closure_days: int


@dataclass(frozen=True)
class PurposeRule:
    """One permissible purpose a release may name, with what the law attaches to it."""

    citation: str
    inquiry: str
    """'hard' when the pull is for new credit (other lenders see it), else 'soft'."""
    extends_new_credit: bool
    """A fraud alert obliges the user to verify identity before extending new credit."""
    freeze_exempt: bool
    """Passes a freeze when the requester already holds an account of the subject."""
    own_grant: bool
    """Needs a grant naming this purpose itself; no grant for another purpose stands in."""
    grantable: bool
    """Whether a subject can grant it; a court order compels access without a grant."""


@dataclass(frozen=True)
class Furnishing:
    """What a furnisher's file may bring in: the Metro 2 appended segments stored."""

    admissible_segments: frozenset[str]


@dataclass(frozen=True)
class LiveRules:
    """The sections a regime needs for the live bureau to run under it."""

    retention: Retention
    access: Access
    fraud_alerts: FraudAlerts
    dispute: DisputeRules
    adverse_action: AdverseAction
    erasure: Erasure
    purposes: Mapping[str, PurposeRule]
    furnishing: Furnishing


@dataclass(frozen=True)
class Regime:
    id: str
    name: str
    admissible: frozenset[str]
    live: LiveRules | None
    raw: dict[str, Any]
    source: str
    lab: Lab | None = None

    def require_lab(self) -> Lab:
        """The lab sections; a regime without them cannot be simulated."""
        if self.lab is None:
            raise RegimeError(self.source, "scoring", "missing table (the lab sections)")
        return self.lab


def _section(doc: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise RegimeError(source, name, "missing table")
    return value


def _typed(cls: type, table: dict[str, Any], prefix: str, source: str) -> Any:
    """Build a dataclass from a TOML table, checking every field's presence and type."""
    values: dict[str, Any] = {}
    for name, kind in cls.__annotations__.items():
        if name not in table:
            raise RegimeError(source, f"{prefix}.{name}", "missing")
        value = table[name]
        expected: type = {"int": int, "bool": bool, "str": str}[kind]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise RegimeError(source, f"{prefix}.{name}", f"expected an integer, got {value!r}")
        if not isinstance(value, expected):
            raise RegimeError(source, f"{prefix}.{name}", f"expected {kind}, got {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise RegimeError(source, f"{prefix}.{name}", "must not be negative")
        values[name] = value
    return cls(**values)


def _purposes(doc: dict[str, Any], source: str) -> dict[str, PurposeRule]:
    """The purpose table: every purpose a table of its own, every field checked."""
    table = _section(doc, "purposes", source)
    if not table:
        raise RegimeError(source, "purposes", "names no purpose")
    rules: dict[str, PurposeRule] = {}
    for name, entry in table.items():
        prefix = f"purposes.{name}"
        if not isinstance(entry, dict):
            raise RegimeError(source, prefix, "expected a table")
        rule: PurposeRule = _typed(PurposeRule, entry, prefix, source)
        if rule.inquiry not in INQUIRY_KINDS:
            raise RegimeError(
                source, f"{prefix}.inquiry", f"must be hard or soft, not {rule.inquiry!r}"
            )
        if not rule.citation.strip():
            raise RegimeError(source, f"{prefix}.citation", "must name the section")
        unknown = sorted(set(entry) - set(PurposeRule.__annotations__))
        if unknown:
            raise RegimeError(source, f"{prefix}.{unknown[0]}", "unknown field")
        rules[name] = rule
    return rules


def _furnishing(doc: dict[str, Any], source: str) -> Furnishing:
    table = _section(doc, "furnishing", source)
    segments = table.get("admissible_segments")
    field = "furnishing.admissible_segments"
    if not isinstance(segments, list) or not all(isinstance(s, str) for s in segments):
        raise RegimeError(source, field, "expected a list of Metro 2 segment names")
    for segment in segments:
        if not _SEGMENT_ID.fullmatch(segment):
            raise RegimeError(source, field, f"{segment!r} is not a Metro 2 segment name (J1..N1)")
    return Furnishing(admissible_segments=frozenset(segments))


def _checked_live(live: LiveRules, source: str) -> LiveRules:
    """Values whose type is right but which no law could mean."""
    if live.adverse_action.creditor_reasons_max < 1:
        raise RegimeError(
            source, "adverse_action.creditor_reasons_max", "must allow at least one reason"
        )
    return live


def _live_agrees_with_lab(live: LiveRules, lab: Lab) -> list[tuple[str, str]]:
    """The simulator must run the live service's own periods, not a second copy of them."""
    problems = []
    for cat in ("tradeline", "collection"):
        if lab.retention_years.get(cat, live.retention.negative_item_years) != (
            live.retention.negative_item_years
        ):
            problems.append(
                (f"data.retention_years.{cat}", "must equal retention.negative_item_years")
            )
    if lab.retention_years.get("bankruptcy", live.retention.bankruptcy_years) != (
        live.retention.bankruptcy_years
    ):
        problems.append(
            ("data.retention_years.bankruptcy", "must equal retention.bankruptcy_years")
        )
    if lab.dispute.available != live.dispute.available:
        problems.append(("dispute.available", "the lab and the live service disagree"))
    return problems


def parse_regime(
    doc: dict[str, Any], source: str, events: Mapping[str, EventType] | None = None
) -> Regime:
    """A regime document checked; `events` adds a population file's defined events to the
    names its lab sections may use (event_types.py)."""
    head = _section(doc, "regime", source)
    for key in ("id", "name"):
        if not isinstance(head.get(key), str) or not head[key]:
            raise RegimeError(source, f"regime.{key}", "missing or empty")
    data = _section(doc, "data", source)
    admissible = data.get("admissible")
    if not isinstance(admissible, list) or not all(isinstance(a, str) for a in admissible):
        raise RegimeError(source, "data.admissible", "expected a list of category names")
    live: LiveRules | None = None
    if head.get("live"):
        live = LiveRules(
            retention=_typed(Retention, _section(doc, "retention", source), "retention", source),
            access=_typed(Access, _section(doc, "access", source), "access", source),
            fraud_alerts=_typed(
                FraudAlerts, _section(doc, "fraud_alerts", source), "fraud_alerts", source
            ),
            dispute=_typed(DisputeRules, _section(doc, "dispute", source), "dispute", source),
            adverse_action=_typed(
                AdverseAction, _section(doc, "adverse_action", source), "adverse_action", source
            ),
            erasure=_typed(Erasure, _section(doc, "erasure", source), "erasure", source),
            purposes=_purposes(doc, source),
            furnishing=_furnishing(doc, source),
        )
        live = _checked_live(live, source)
    lab: Lab | None = None
    if "scoring" in doc:
        shared = frozenset({"access", "dispute", "freeze"}) if head.get("live") else frozenset()
        lab, problems = parse_lab(doc, shared, events)
        if lab is not None and live is not None:
            problems = _live_agrees_with_lab(live, lab)
        if problems:
            raise RegimeInvalid(source, problems)
    return Regime(
        lab=lab,
        id=head["id"],
        name=head["name"],
        admissible=frozenset(admissible),
        live=live,
        raw=doc,
        source=source,
    )


def period_in_words(days: int) -> str:
    """A regime period as people say it ("1 year", "7 years", "45 days"), so user-facing text
    states the regime's value and never a number of its own."""
    if days and days % 365 == 0:
        years = days // 365
        return f"{years} year" if years == 1 else f"{years} years"
    return f"{days} day" if days == 1 else f"{days} days"


def _names_in(folder_name: str) -> list[str]:
    folder = resources.files("bureau.policy") / folder_name
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def builtin_names() -> list[str]:
    """The built-in regimes (what `--regimes all` runs)."""
    return _names_in("regimes")


def builtin_reforms() -> list[str]:
    """The built-in reforms: named variants of a built-in regime (see reform.py)."""
    return _names_in("reforms")


def _read(name_or_path: str | Path) -> tuple[str, str, Path | None]:
    """A regime or reform file's text, its source label and (for a path) its folder."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path.read_text(encoding="utf-8"), str(path), path.parent
    for folder in ("regimes", "reforms"):
        entry = resources.files("bureau.policy") / folder / f"{name_or_path}.toml"
        if entry.is_file():
            return entry.read_text(encoding="utf-8"), f"{name_or_path}.toml", None
    known = ", ".join(builtin_names() + builtin_reforms())
    raise RegimeError(str(name_or_path), "regime", f"no such built-in regime or reform ({known})")


def _document(name_or_path: str | Path, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    text, source, folder = _read(name_or_path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegimeError(source, "toml", str(exc)) from exc
    head = reform_head(doc)
    if head is None:
        return doc, source
    unknown = sorted(set(head) - REFORM_KEYS)
    if unknown:
        raise RegimeError(source, f"reform.{unknown[0]}", "unknown field")
    for key in ("id", "name", "base"):
        if not isinstance(head.get(key), str) or not head[key]:
            raise RegimeError(source, f"reform.{key}", "missing or empty")
    if "regime" in doc:
        raise RegimeError(source, "regime", "a reform names its base in [reform], not [regime]")
    base: str | Path = head["base"]
    if folder is not None and (folder / str(base)).exists():
        base = folder / str(base)
    if source in seen:
        raise RegimeError(source, "reform.base", "a reform cannot be its own base")
    base_doc, _ = _document(base, (*seen, source))
    return apply_reform(base_doc, doc), source


def load_regime(name_or_path: str | Path, events: Mapping[str, EventType] | None = None) -> Regime:
    """A built-in regime or reform by id (`fcra-consent`, `rongcheng-six-classes`), or a
    regime or reform file by path; `events` as in `parse_regime`."""
    doc, source = _document(name_or_path)
    return parse_regime(doc, source, events)


def live_regime_name(environ: Mapping[str, str] | None = None) -> str:
    """The regime the live service runs under: FAIRFILE_REGIME (an id or a file), or fcra-consent.

    Why an override: a deployment (or a test) can run the whole service under another set of
    periods without editing the built-in file, and every reader still gets them from one place.
    """
    env = os.environ if environ is None else environ
    return env.get(REGIME_ENV, "").strip() or LIVE_REGIME


def live_regime_for(name: str) -> Regime:
    """Load `name` as a live regime; one without the live sections is refused, naming them."""
    regime = load_regime(name)
    if regime.live is None:
        raise RegimeError(regime.source, "regime.live", "must be true for the live service")
    return regime


@cache
def live_regime() -> Regime:
    """The regime the live service runs under (read once; `reload_live_regime` rereads it)."""
    return live_regime_for(live_regime_name())


def live_rules() -> LiveRules:
    """The rules the live service runs under (fcra-consent unless FAIRFILE_REGIME is set)."""
    live = live_regime().live
    assert live is not None, "live_regime_for refuses a regime without the live sections"
    return live


def reload_live_regime() -> Regime:
    """Forget the loaded live regime and read it again (after FAIRFILE_REGIME changed)."""
    live_regime.cache_clear()
    return live_regime()
