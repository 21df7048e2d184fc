"""Life events a population file defines beside the built-in catalogue ("fare-dodging").

Why in the population file: which behaviours a regime might record is a research question
(Daum's point, seed 000/004: fare-dodging or recycling may say nothing about repayment). A
researcher adds an event, its rate and its correlation with repayment risk as data and runs
it through any regime that admits its data category or scores it, without touching Python.

A defined event draws from its own dice (seeded by its name), so adding one leaves every
built-in event's draws, and so every existing result, unchanged.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import CATEGORIES, EVENT_BY_NAME, EventType

NATURES = ("adverse", "merit", "neutral")
OWN_DRIVER = "own"
"""The driver of a defined event with its own latent propensity, correlated with repayment
risk by `repayment_correlation`."""
_NAME = re.compile(r"[a-z][a-z0-9_]{1,40}")


@dataclass(frozen=True)
class DefinedEvent:
    """A defined event's type and, for the `own` driver, its correlation with repayment risk."""

    type: EventType
    repayment_correlation: float | None


def parse_event_types(
    doc: dict[str, Any], problems: list[tuple[str, str]]
) -> dict[str, DefinedEvent]:
    """The `[event_types.NAME]` tables of a population file; problems name the field."""
    raw = doc.get("event_types", {})
    if not isinstance(raw, dict):
        problems.append(("event_types", "expected a table of [event_types.NAME] tables"))
        return {}
    out: dict[str, DefinedEvent] = {}
    for name, t in raw.items():
        path = f"event_types.{name}"
        if name in EVENT_BY_NAME:
            problems.append((path, "already a built-in event; choose another name"))
            continue
        if not _NAME.fullmatch(name):
            problems.append((path, "a name of lower-case letters, digits and _"))
            continue
        if not isinstance(t, dict):
            problems.append((path, "expected a table {category, nature, description}"))
            continue
        for key in t:
            if key not in {"category", "nature", "description"}:
                problems.append((f"{path}.{key}", "unknown field"))
        category = t.get("category")
        if category not in CATEGORIES:
            problems.append(
                (f"{path}.category", f"expected one of {', '.join(sorted(CATEGORIES))}")
            )
        nature = t.get("nature")
        if nature not in NATURES:
            problems.append((f"{path}.nature", f"expected one of {', '.join(NATURES)}"))
        description = t.get("description")
        if not isinstance(description, str) or len(description.strip()) < 3:
            problems.append((f"{path}.description", "missing: say what the event is"))
        out[name] = DefinedEvent(
            EventType(name, str(category), str(nature), str(description or "")), None
        )
    return out


def repayment_correlation(
    events: dict[str, Any], name: str, driver: Any, problems: list[tuple[str, str]]
) -> float | None:
    """`events.NAME.repayment_correlation`: required with driver `own`, refused without it."""
    t = events.get(name, {})
    value = t.get("repayment_correlation") if isinstance(t, dict) else None
    path = f"events.{name}.repayment_correlation"
    if driver != OWN_DRIVER:
        if value is not None:
            problems.append((path, f"only with driver = {OWN_DRIVER!r}"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
        problems.append((path, "expected a number between -1 and 1 (driver 'own' needs it)"))
        return 0.0
    return float(value)


def catalogue_with(defined: Mapping[str, DefinedEvent]) -> dict[str, EventType]:
    """The built-in events and the defined ones, by name (what a run looks events up in)."""
    return {**EVENT_BY_NAME, **{name: d.type for name, d in defined.items()}}


def own_propensity(
    seed: int, name: str, risk: NDArray[np.float32], correlation: float
) -> NDArray[np.float32]:
    """A defined event's latent propensity (z): `correlation` with repayment risk, the rest
    the person's own, the same for a given population seed and event name."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7, zlib.crc32(name.encode())]))
    c = np.float32(correlation)
    noise = rng.standard_normal(len(risk), dtype=np.float32)
    out: NDArray[np.float32] = c * risk + np.sqrt(np.float32(1) - c * c) * noise
    return out


def event_rng(seed: int, name: str) -> np.random.Generator:
    """A defined event's monthly dice, apart from the built-in events' stream."""
    return np.random.default_rng(np.random.SeedSequence([seed, 8, zlib.crc32(name.encode())]))
