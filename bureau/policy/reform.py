"""A reform: a named variant of a regime that overrides only some of its values.

Why: a what-if ("Rongcheng with the six classes most sources report", "disputes filed twice as
often") should be a few lines naming a base regime, not a copy of the whole file whose old
provenance silently survives the edit. Tables merge key by key; any other value (a number, a
list, an array of tables such as `[[bands]]`) replaces the base's whole. The base's provenance
stays for what the reform leaves alone and is kept for what it overrides too, so an overridden
value without provenance of its own is refused as stale (provenance.py), naming the key.
"""

from __future__ import annotations

import copy
from typing import Any

from bureau.policy.provenance import value_at

REFORM_KEYS = {"id", "name", "base", "summary"}


def reform_head(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The `[reform]` table of a document, if it is a reform file."""
    head = doc.get("reform")
    return head if isinstance(head, dict) else None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _overlay(base_doc: dict[str, Any], reform_doc: dict[str, Any]) -> dict[str, Any]:
    """The base with the reform's values and provenance laid over; the base's provenance for
    a path the reform removed is dropped."""
    body = {k: v for k, v in reform_doc.items() if k not in ("reform", "provenance")}
    doc = _merge({k: v for k, v in base_doc.items() if k != "provenance"}, body)
    provenance = {
        path: entry
        for path, entry in base_doc.get("provenance", {}).items()
        if value_at(doc, str(path))[0]
    }
    provenance.update(reform_doc.get("provenance", {}))
    doc["provenance"] = provenance
    return doc


POPULATION_REFORM_KEYS = {"base", "name", "summary"}


def apply_population_reform(base_doc: dict[str, Any], reform_doc: dict[str, Any]) -> dict[str, Any]:
    """The population document a population reform describes: its base (the bundled
    `population.toml` or another file) with the reform's values laid over, as a regime reform
    does; the `[reform]` table itself is dropped."""
    return _overlay(base_doc, reform_doc)


def apply_reform(base_doc: dict[str, Any], reform_doc: dict[str, Any]) -> dict[str, Any]:
    """The regime document the reform describes: the base with the reform's values laid over.

    The `[regime]` table keeps the base's settings but takes the reform's id, name and summary;
    provenance for a path the reform removed (a band no longer listed) is dropped.
    """
    head = reform_head(reform_doc) or {}
    doc = _overlay(base_doc, reform_doc)
    regime = dict(base_doc.get("regime", {}))
    for key in ("id", "name", "summary"):
        if key in head:
            regime[key] = head[key]
    regime["reform_of"] = base_doc.get("regime", {}).get("id")
    doc["regime"] = regime
    return doc


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            named = [i for i in node if isinstance(i, dict) and str(i.get("name")) == part]
            node = named[0] if named else node[int(part)]
        else:
            node = node.setdefault(part, {})
    if isinstance(node, list):
        raise KeyError(path)
    node[parts[-1]] = value


def with_assumption(
    doc: dict[str, Any],
    path: str,
    value: Any,
    note: str,
    span: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """A copy of a regime or population document with `path` set to `value` and marked
    `assumed: note`, so a programmatic what-if (a sweep, a sensitivity sample, a test) carries
    its own provenance instead of leaving the old one stale. The unit, and for a number the
    range (widened to hold the value), come from the provenance the value had."""
    return with_assumptions(doc, {path: value}, note, {path: span} if span else None)


def with_assumptions(
    doc: dict[str, Any],
    values: dict[str, Any],
    note: str,
    spans: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """`with_assumption` for several paths at once: one copy of the document, not one a path
    (a sensitivity sample sets dozens, and copying the whole file for each was a tenth of
    the screen's time)."""
    out = copy.deepcopy(doc)
    provenance = out.setdefault("provenance", {})
    for path, value in values.items():
        _set(out, path, value)
        _mark_assumed(provenance, path, value, note, (spans or {}).get(path))
    return out


def _mark_assumed(
    provenance: dict[str, Any],
    path: str,
    value: Any,
    note: str,
    span: tuple[float, float] | None,
) -> None:
    parts = path.split(".")
    before: dict[str, Any] = {}
    for n in range(len(parts), 0, -1):
        found = provenance.get(".".join(parts[:n]))
        if isinstance(found, dict):
            before = found
            break
    entry: dict[str, Any] = {
        "status": "assumed",
        "value": value,
        "unit": before.get("unit", "number"),
        "note": note,
    }
    if isinstance(value, int | float) and not isinstance(value, bool):
        lo, hi = span or tuple(before.get("range") or (value, value))
        entry["range"] = [min(lo, value), max(hi, value)]
    provenance[path] = entry
