"""Where every parameter of a regime or population file comes from, checked against its source.

Why structured and checked: a researcher publishing from the lab must be able to cite each
number and vary each assumption. So every value carries, beside it in `[provenance]`, the value
the provenance vouches for, its unit, its status (`sourced`, `assumed` or `estimated`), and
either a citation of a passage shipped in `bureau/policy/sources/` (pinned by the passage's
hash) or a public primary document, or, for an assumption, its reason and the plausible range
the sensitivity analysis varies. A value edited without its provenance, or a citation whose
passage has changed since it was read, is stale and refused, naming the parameter.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

STATUSES = ("sourced", "assumed", "estimated")
PUBLIC_PREFIX = "public:"
HASH_LENGTH = 12
SEED_CITATION = re.compile(r"\b00[0-4]\b")
_ANCHOR = re.compile(r"^## (?P<title>.+?) \{#(?P<id>[a-z0-9-]+)\}\s*$")


@dataclass(frozen=True)
class Passage:
    """One section of a shipped source document (`## Title {#id}` up to the next heading)."""

    document: str
    id: str
    title: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _sections(document: str, text: str) -> Iterator[Passage]:
    """The anchored sections of one document; unanchored headings end a section too."""
    current: tuple[str, str] | None = None
    lines: list[str] = []
    for line in [*text.splitlines(), "## end"]:
        if not line.startswith("## "):
            lines.append(line)
            continue
        if current is not None:
            yield Passage(document, current[0], current[1], "\n".join(lines).strip())
        match = _ANCHOR.match(line)
        current = (match["id"], match["title"]) if match else None
        lines = []


@cache
def passages() -> dict[str, Passage]:
    """Every passage in `bureau/policy/sources/`, keyed `document.md#id`."""
    folder = resources.files("bureau.policy") / "sources"
    out: dict[str, Passage] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            for passage in _sections(entry.name, entry.read_text("utf-8")):
                out[f"{entry.name}#{passage.id}"] = passage
    return out


@dataclass(frozen=True)
class Provenance:
    """The provenance of one parameter (or of every leaf of a table, when `path` is a table)."""

    path: str
    status: str
    value: Any
    unit: str
    source: str | None  # `document.md#id` or `public: <citation>`
    sha256: str | None
    note: str  # the fact read from the source, or the reason for an assumption
    range: tuple[float, float] | None
    # Where the plausible range comes from (`document.md#id` or `public: ...`); None means the
    # range itself is an assumption, and the report says so.
    range_source: str | None = None

    @property
    def assumed(self) -> bool:
        return self.status != "sourced"

    def citation(self) -> str:
        """One line for a report: the source (or the assumption) and what it says."""
        if self.status == "sourced":
            return f"{self.source}: {self.note}"
        return f"{self.status}: {self.note}{self.range_label()}"

    def range_label(self) -> str:
        """The range as the report shows it, saying whether a source gives it or it is assumed."""
        if self.range is None:
            return ""
        low, high = self.range
        if low == high:
            return f" (fixed at {low:g})"
        origin = f"from {self.range_source}" if self.range_source else "range assumed"
        return f" (range {low:g} to {high:g}, {origin})"

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "sha256": self.sha256,
            "note": self.note,
            "range": list(self.range) if self.range else None,
            "range_source": self.range_source,
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_entry(path: str, raw: Any, problems: list[tuple[str, str]]) -> Provenance | None:
    """One `[provenance]` entry, every problem recorded under `provenance.<path>`."""
    where = f"provenance.{path}"
    if not isinstance(raw, dict):
        problems.append(
            (where, "expected a table {status, value, unit, source/note, range} (see docs/lab.md)")
        )
        return None
    known = {"status", "value", "unit", "source", "sha256", "note", "range"}
    known |= {"range_source", "range_sha256"}
    for key in raw:
        if key not in known:
            problems.append((f"{where}.{key}", "unknown field"))
    status = raw.get("status")
    if status not in STATUSES:
        problems.append((f"{where}.status", f"expected one of {', '.join(STATUSES)}"))
        return None
    if "value" not in raw:
        problems.append((f"{where}.value", "missing: the value this provenance vouches for"))
    unit = raw.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        problems.append((f"{where}.unit", "missing: say what the number counts"))
    note = raw.get("note")
    if not isinstance(note, str) or len(note.strip()) < 8:
        what = "the fact the source gives" if status == "sourced" else "the reason"
        problems.append((f"{where}.note", f"missing: {what}"))
    source = raw.get("source")
    sha = raw.get("sha256")
    if status == "sourced":
        _check_source(where, source, sha, str(note or ""), problems)
    span = _range(where, raw, status, problems)
    range_source = raw.get("range_source")
    if range_source is not None:
        if span is None:
            problems.append((f"{where}.range_source", "a range source needs a range"))
        before = len(problems)
        _check_source(where, range_source, raw.get("range_sha256"), str(note or ""), problems)
        # the same checks as a value's source, reported under the range's own fields
        for i in range(before, len(problems)):
            field, reason = problems[i]
            field = field.replace(f"{where}.source", f"{where}.range_source")
            problems[i] = (field.replace(f"{where}.sha256", f"{where}.range_sha256"), reason)
    return Provenance(
        path=path,
        status=str(status),
        value=raw.get("value"),
        unit=str(unit or ""),
        source=str(source) if isinstance(source, str) else None,
        sha256=str(sha) if isinstance(sha, str) else None,
        note=str(note or ""),
        range=span,
        range_source=str(range_source) if isinstance(range_source, str) else None,
    )


def _check_source(
    where: str, source: Any, sha: Any, note: str, problems: list[tuple[str, str]]
) -> None:
    if not isinstance(source, str) or not source.strip():
        problems.append((f"{where}.source", "a sourced value must name its source"))
        return
    if source.startswith(PUBLIC_PREFIX):
        if len(source.removeprefix(PUBLIC_PREFIX).strip()) < 8:
            problems.append((f"{where}.source", "name the public primary document"))
        return
    passage = passages().get(source)
    if passage is None:
        problems.append(
            (
                f"{where}.source",
                f"missing source: no passage {source!r} in bureau/policy/sources/ "
                "(cite 'document.md#id', or 'public: <primary document>')",
            )
        )
        return
    if sha != passage.sha256:
        problems.append(
            (
                f"{where}.sha256",
                f"stale source: {source} has changed since this value was cited "
                f"(recorded {sha!r}, now {passage.sha256!r}); re-read the passage, then update "
                "the value, its note and sha256",
            )
        )
    if passage.document == "bundled-regimes.md" and not SEED_CITATION.search(note):
        problems.append((f"{where}.note", "a bundled-regimes.md fact must name its seed file"))


def _range(
    where: str, raw: dict[str, Any], status: Any, problems: list[tuple[str, str]]
) -> tuple[float, float] | None:
    value = raw.get("value")
    span = raw.get("range")
    if span is None:
        if status != "sourced" and _is_number(value):
            problems.append((f"{where}.range", "an assumed number needs a plausible [low, high]"))
        return None
    if (
        not isinstance(span, list)
        or len(span) != 2
        or not all(_is_number(v) for v in span)
        or span[0] > span[1]
    ):
        problems.append((f"{where}.range", "expected [low, high] with low <= high"))
        return None
    if _is_number(value) and not span[0] <= value <= span[1]:
        problems.append((f"{where}.range", f"must contain the value {value!r}"))
    return (float(span[0]), float(span[1]))


def value_at(doc: dict[str, Any], path: str) -> tuple[bool, Any]:
    """The value at a dotted path; arrays of tables are entered by their `name` (or index)."""
    node: Any = doc
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list):
            found = [i for i in node if isinstance(i, dict) and str(i.get("name")) == part]
            if not found and part.isdigit() and int(part) < len(node):
                found = [node[int(part)]]
            if not found:
                return False, None
            node = found[0]
            if isinstance(node, dict) and "name" in node:
                node = {k: v for k, v in node.items() if k != "name"}
        else:
            return False, None
    return True, node


def check_provenance(
    doc: dict[str, Any],
    leaves: list[str],
    problems: list[tuple[str, str]],
    checked: Callable[[str], bool] = lambda path: True,
) -> dict[str, Provenance]:
    """Parse `[provenance]` and check it covers `leaves`, each with the value the file holds.

    A leaf is covered by its own entry or by one for a table above it (whose `value` is then
    the whole table). An entry whose recorded value differs from the file's is stale: the value
    was edited (or a reform overrode it) without new provenance. Entries for paths `checked`
    refuses (a live regime's live-only tables, which their own loader owns) are only parsed.
    """
    table = doc.get("provenance", {})
    if not isinstance(table, dict):
        problems.append(("provenance", "expected a table"))
        return {}
    out: dict[str, Provenance] = {}
    for path, raw in table.items():
        entry = parse_entry(str(path), raw, problems)
        if entry is None or not checked(str(path)):
            continue
        found, current = value_at(doc, str(path))
        if not found:
            problems.append((f"provenance.{path}", "provenance for a parameter the file lacks"))
            continue
        if "value" in raw and current != entry.value:
            problems.append(
                (
                    str(path),
                    f"stale provenance: it vouches for {entry.value!r} but the value is "
                    f"{current!r}; give the new value its own source or mark it assumed",
                )
            )
        out[str(path)] = entry
    for leaf in leaves:
        parts = leaf.split(".")
        if not any(".".join(parts[:n]) in table for n in range(1, len(parts) + 1)):
            problems.append(
                (leaf, "missing provenance: add it to [provenance] (sourced or assumed)")
            )
    return out


def covering(provenance: dict[str, Provenance], leaf: str) -> Provenance | None:
    """The entry that covers `leaf`: its own, or the nearest table above it."""
    parts = leaf.split(".")
    for n in range(len(parts), 0, -1):
        entry = provenance.get(".".join(parts[:n]))
        if entry is not None:
            return entry
    return None
