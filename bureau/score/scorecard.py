"""The published points table, read from a TOML file and checked on load.

Why a data file: the table is what the bureau publishes (docs/score.md) and what a subject adds
up; keeping it as data means the code cannot quietly score with anything other than the table
that was published, and a new version is a new file, never an edit of an old one.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any

CURRENT_VERSION = "fairfile-fin-2"

FAMILIES: dict[str, str] = {
    "payment_history": "Payment history",
    "amounts_owed": "Amounts owed",
    "history_length": "Length of credit history",
    "new_credit": "New credit",
    "credit_mix": "Credit mix",
}


class ScorecardError(ValueError):
    """A scorecard file is malformed; names the attribute and the reason."""


@dataclass(frozen=True)
class Bin:
    label: str
    points: int
    low: int | None  # inclusive; None with `missing`
    high: int | None  # inclusive; None: open-ended (or `missing`)
    missing: bool = False
    reason: str | None = None  # overrides the attribute's reason text for this bin

    def holds(self, value: int | None) -> bool:
        if value is None or self.missing:
            return value is None and self.missing
        assert self.low is not None
        return value >= self.low and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class Attribute:
    name: str
    family: str
    title: str
    reason_code: str
    reason: str
    bins: tuple[Bin, ...]
    inquiries: bool = False

    @cached_property
    def max_points(self) -> int:
        """Once per loaded table: every score asks each attribute."""
        return max(b.points for b in self.bins)

    def bin_for(self, value: int | None) -> Bin:
        for candidate in self.bins:
            if candidate.holds(value):
                return candidate
        raise ScorecardError(f"{self.name}: no bin holds the value {value!r}")


@dataclass(frozen=True)
class Scorecard:
    id: str
    title: str
    base: int
    max_score: int
    attributes: tuple[Attribute, ...]
    sha256: str  # of the file's bytes: a report can name exactly which table scored it

    @property
    def max_points(self) -> int:
        return sum(a.max_points for a in self.attributes)

    def attribute(self, name: str) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)


def _bin(name: str, raw: dict[str, Any]) -> Bin:
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ScorecardError(f"{name}: every bin needs integer points >= 0, got {points!r}")
    label = raw.get("label")
    if not isinstance(label, str) or not label:
        raise ScorecardError(f"{name}: every bin needs a label")
    reason = raw.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason):
        raise ScorecardError(f"{name}: bin {label!r} has an empty reason")
    if raw.get("missing"):
        return Bin(label=label, points=points, low=None, high=None, missing=True, reason=reason)
    low, high = raw.get("min"), raw.get("max")
    if not isinstance(low, int) or (high is not None and not isinstance(high, int)):
        raise ScorecardError(f"{name}: bin {label!r} needs an integer min (and max if bounded)")
    if high is not None and high < low:
        raise ScorecardError(f"{name}: bin {label!r} has max below min")
    return Bin(label=label, points=points, low=low, high=high, reason=reason)


def _check_contiguous(name: str, bins: list[Bin]) -> None:
    ranged = [b for b in bins if not b.missing]
    if len(bins) - len(ranged) > 1:
        raise ScorecardError(f"{name}: at most one bin may be marked missing")
    if not ranged or ranged[0].low != 0:
        raise ScorecardError(f"{name}: the first bin must start at 0")
    for before, after in pairwise(ranged):
        if before.high is None or after.low != before.high + 1:
            raise ScorecardError(f"{name}: bins {before.label!r} and {after.label!r} leave a gap")
    if ranged[-1].high is not None:
        raise ScorecardError(f"{name}: the last bin must be open-ended")


def parse_scorecard(text: str) -> Scorecard:
    doc = tomllib.loads(text)
    head = doc.get("scorecard")
    if not isinstance(head, dict):
        raise ScorecardError("missing [scorecard] table")
    attributes: list[Attribute] = []
    for raw in doc.get("attribute", []):
        name = str(raw.get("name", ""))
        if raw.get("family") not in FAMILIES:
            raise ScorecardError(f"{name}: family must be one of {sorted(FAMILIES)}")
        bins = [_bin(name, b) for b in raw.get("bins", [])]
        _check_contiguous(name, bins)
        attributes.append(
            Attribute(
                name=name,
                family=raw["family"],
                title=str(raw["title"]),
                reason_code=str(raw["reason_code"]),
                reason=str(raw["reason"]),
                bins=tuple(bins),
                inquiries=bool(raw.get("inquiries", False)),
            )
        )
    card = Scorecard(
        id=str(head["id"]),
        title=str(head["title"]),
        base=int(head["base"]),
        max_score=int(head["max_score"]),
        attributes=tuple(attributes),
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    if card.base + card.max_points != card.max_score:
        raise ScorecardError(
            f"base {card.base} + maximum points {card.max_points} must equal {card.max_score}"
        )
    if len({a.name for a in attributes}) != len(attributes):
        raise ScorecardError("attribute names must be unique")
    return card


@cache
def load_scorecard(version: str = CURRENT_VERSION) -> Scorecard:
    """A published scorecard by version id (a file in bureau/score/scorecards/)."""
    entry = resources.files("bureau.score") / "scorecards" / f"{version}.toml"
    if not entry.is_file():
        raise ScorecardError(f"no published scorecard {version!r}")
    card = parse_scorecard(entry.read_text(encoding="utf-8"))
    if card.id != version:
        raise ScorecardError(f"{version}.toml declares id {card.id!r}")
    return card
