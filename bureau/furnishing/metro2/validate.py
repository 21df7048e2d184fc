"""Validation: every problem in a Metro 2 file, each with its record, segment, field, byte
positions, the value found and the reason, naming the rule (rules.py) it breaks.

All problems are collected (the validator never stops at the first), the file is streamed,
and the trailer's totals are recomputed from the records actually present.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from bureau.furnishing.metro2 import packed
from bureau.furnishing.metro2.codes import TABLES
from bureau.furnishing.metro2.consistency import Finding, cycle_findings, record_findings
from bureau.furnishing.metro2.layout import APPENDED, LAYOUTS, Field, Layout
from bureau.furnishing.metro2.records import (
    FieldError,
    Gap,
    Item,
    Record,
    Segment,
    decode,
    digits,
)
from bureau.furnishing.metro2.rule import Severity
from bureau.furnishing.metro2.totals import Totals


@dataclass(frozen=True)
class Problem:
    """One thing wrong. `start`/`end` are 1-based positions inside the segment (as the CRRG
    numbers them); `offset` is the 0-based byte offset of the field's first byte in the file.
    `severity` "reject" keeps the record out; "review" lets it land with the finding listed."""

    record: int
    segment: str
    field: str | None
    start: int | None
    end: int | None
    offset: int | None
    value: str | None
    rule: str
    reason: str
    severity: Severity = "reject"

    @property
    def rejects(self) -> bool:
        return self.severity == "reject"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        where = f"record {self.record} {self.segment}"
        if self.field:
            where += f" {self.field}"
        if self.start is not None:
            where += f" [{self.start}-{self.end}]"
        if self.offset is not None:
            where += f" @{self.offset}"
        value = f" value {self.value!r}" if self.value is not None else ""
        review = " [review]" if self.severity == "review" else ""
        return f"{where}:{value} {self.reason} ({self.rule}){review}"


@dataclass(frozen=True)
class _Checks:
    """A layout's field checks, prepared once: which fields to test for what."""

    typed: tuple[Field, ...]
    alpha: tuple[Field, ...]
    required: tuple[Field, ...]
    coded: tuple[tuple[Field, frozenset[str]], ...]


def _prepare(layout: Layout) -> _Checks:
    return _Checks(
        typed=tuple(f for f in layout.fields if f.type != "A"),
        alpha=tuple(f for f in layout.fields if f.type == "A"),
        required=tuple(
            f for f in layout.fields if f.required == "required" and f.name != "segment_identifier"
        ),
        coded=tuple(
            (f, frozenset(TABLES[f.codes]))
            for f in layout.fields
            if f.codes and f.codes != "payment_history"
        ),
    )


_CHECKS = {kind: _prepare(layout) for kind, layout in LAYOUTS.items()}
_HISTORY = frozenset(TABLES["payment_history"])
_TERMS_WORDS = frozenset({"LOC", "REV"})
SEGMENT_ORDER = ("J1", "J2", "K1", "K2", "K3", "K4", "L1", "N1")
SINGLE_SEGMENTS = ("K1", "K2", "K3", "K4", "L1", "N1")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")


class _Reporter:
    """Builds problems located inside one record."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.problems: list[Problem] = []
        self.where: dict[int, int] = {}

    def field(self, segment: Segment, position: int, f: Field, rule: str, reason: str,
              severity: Severity = "reject") -> None:  # fmt: skip
        # a field in the blanks a short segment was read with points where the data ended
        if segment.packed is not None:
            at = position + min(packed.START[segment.kind][f.name], len(segment.packed))
        else:
            at = position + min(f.start - 1, len(segment.text) - segment.short_by)
        self.problems.append(
            Problem(
                record=self.record.number,
                segment=segment.kind,
                field=f.name,
                start=f.start,
                end=f.end,
                offset=self.record.file_offset(at),
                value=segment.text[f.slice],
                rule=rule,
                reason=reason,
                severity=severity,
            )
        )

    def whole(self, segment: str, rule: str, reason: str, value: str | None = None,
              position: int | None = None) -> None:  # fmt: skip
        offset = self.record.file_offset(position) if position is not None else self.record.offset
        self.problems.append(
            Problem(self.record.number, segment, None, None, None, offset, value, rule, reason)
        )


def _check_fields(rep: _Reporter, segment: Segment, position: int) -> None:
    checks = _CHECKS[segment.kind]
    text = segment.text
    values = segment.decoded  # decoded once here, reused by the rules and by storage
    for f in checks.alpha:  # alphanumerics cannot fail: just their text without blank fill
        values[f.name] = text[f.slice].rstrip(" ")
    for f in checks.typed:
        raw = text[f.slice]
        try:
            values[f.name] = decode(f, raw)
        except FieldError as exc:
            values[f.name] = None
            # a packed value's own reason, when the bytes were no packed value
            reason = segment.invalid.get(f.name, exc.reason) if segment.invalid else exc.reason
            rep.field(segment, position, f, "M2-F01", reason)
    for f in checks.required:
        raw = text[f.slice]
        if not raw.strip(" ") or (f.type in "DT" and not raw.strip("0")):
            rep.field(segment, position, f, "M2-F02", f"{f.label or f.name} is required")
    for f, codes in checks.coded:
        raw = text[f.slice]
        code = raw.rstrip(" ")
        if code and code not in codes:
            known = code.strip(" ")
            reason = (f"{code!r} is the {f.codes} code {known!r} out of place: codes are "
                      "left-justified, blank-filled") if known in codes else \
                f"{code!r} is not a known {f.codes} code"  # fmt: skip
            rep.field(segment, position, f, "M2-F03", reason)
    if segment.kind == "base":
        _check_base_fields(rep, segment, position)
    elif segment.kind in ("header", "trailer"):
        f = segment.layout["record_identifier"]
        if text[f.slice] != segment.kind.upper():
            rep.field(segment, position, f, "M2-F04", f"must be {segment.kind.upper()}")


def _check_base_fields(rep: _Reporter, segment: Segment, position: int) -> None:
    layout = segment.layout
    text = segment.text
    f = layout["processing_indicator"]
    if text[f.slice] != "1":
        rep.field(segment, position, f, "M2-F04", "the processing indicator is always 1")
    f = layout["payment_history_profile"]
    bad = sorted({ch for ch in text[f.slice] if ch not in _HISTORY})
    if bad:
        rep.field(segment, position, f, "M2-F03",
                  f"characters {''.join(bad)!r} are not payment history codes")  # fmt: skip
    f = layout["terms_duration"]
    terms = text[f.slice]
    if terms.strip() and not (digits(terms) or terms in _TERMS_WORDS):
        rep.field(segment, position, f, "M2-F05", "must be months (3 digits), LOC or REV")


def _check_structure(rep: _Reporter) -> None:
    record = rep.record
    for segment, position in record.segment_offsets():
        if segment.short_by:
            size = len(segment.emitted())
            rep.whole(
                segment.kind, "M2-S02",
                f"{segment.kind} is {size} bytes, its layout is {size + segment.short_by}: "
                f"the last {segment.short_by} read as blanks", position=position + size,
            )  # fmt: skip
    body_end = record.prefix_length + len(record.body())
    if record.tail:
        ident = record.tail[:2]
        rep.whole(
            record.kind, "M2-S03",
            f"{len(record.tail)} bytes of unrecognised data after the last segment "
            f"(starting {ident!r}, not a known segment identifier)",
            value=record.tail[:40], position=body_end - len(record.tail),
        )  # fmt: skip
    rdw_field = record.main.layout["record_descriptor_word"]
    rdw = record.main.text[rdw_field.slice]
    length = len(record.body())
    if digits(rdw) and int(rdw) != length:
        rep.field(record.main, record.prefix_length, rdw_field, "M2-S04",
                  f"says {int(rdw)} bytes, the record is {length}")  # fmt: skip
    if record.bdw is not None:
        if record.packed:
            block, form = packed.descriptor(record.bdw), "a packed length"
        else:
            block, form = (int(record.bdw) if digits(record.bdw) else None), "digits"
        if block is None or block < length + 4:
            rep.whole(record.kind, "M2-S05",
                      f"block descriptor word {record.bdw!r} must be {form} covering the "
                      f"{length + 4}-byte block", value=record.bdw, position=0)  # fmt: skip
    if record.breaks:
        rep.problems.append(Problem(record.number, record.kind, None, None, None,
                                    record.break_offset(0), record.breaks[0][1], "M2-S06",
                                    f"record is split over {len(record.breaks) + 1} lines"))  # fmt: skip


def placeholder(segment: Segment) -> bool:
    """An appended segment holding nothing but its identifier (blanks and zeros after it):
    some software appends one of every kind; it carries no data, so it is one problem, not
    one per empty required field."""
    return segment.kind in APPENDED and not segment.text[2:].strip(" 0")


def _check_segments(rep: _Reporter) -> None:
    """Appended segments in CRRG order (J1, J2, K1, K2, K3, K4, L1, N1), the single ones
    once, and no blank placeholders."""
    record = rep.record
    last = -1
    for segment, position in record.segment_offsets():
        if segment.kind not in APPENDED:
            continue
        rank = SEGMENT_ORDER.index(segment.kind)
        if rank < last:
            rep.whole(segment.kind, "M2-S11",
                      f"{segment.kind} after {SEGMENT_ORDER[last]}: appended segments go in "
                      f"the order {', '.join(SEGMENT_ORDER)}", value=segment.kind,
                      position=position)  # fmt: skip
        last = max(last, rank)
        if placeholder(segment):
            rep.whole(segment.kind, "M2-S10",
                      f"{segment.kind} is an empty placeholder (nothing after its identifier)",
                      value=segment.kind, position=position)  # fmt: skip
    for kind in SINGLE_SEGMENTS:
        found = record.appended_of(kind)
        if len(found) > 1:
            rep.whole(kind, "M2-S09", f"{len(found)} {kind} segments: the CRRG allows one")


def _check_characters(rep: _Reporter, segment: Segment, position: int) -> None:
    """Alphanumeric fields hold the CRRG's character set (printable ASCII): a control byte or
    a non-ASCII byte is named with its position, once per field."""
    if _PRINTABLE.fullmatch(segment.text):
        return
    for f in _CHECKS[segment.kind].alpha:
        bad = _NOT_PRINTABLE.search(segment.text, f.start - 1, f.end)
        if bad is not None:
            byte = ord(bad.group())
            rep.field(segment, position, f, "M2-F06",
                      f"byte 0x{byte:02X} at position {bad.start() + 1} is outside the "
                      "Metro 2 character set (printable ASCII)")  # fmt: skip


def _check_identity(rep: _Reporter, segment: Segment, position: int) -> None:
    if segment.kind != "base":  # an associated consumer is matched through the account
        return
    if not segment.raw("ssn").strip(" 0") and not segment.raw("date_of_birth").strip(" 0"):
        rep.field(segment, position, segment.layout["ssn"], "M2-F07",
                  f"{segment.kind}: neither a Social Security number nor a date of birth")  # fmt: skip


def _report_findings(rep: _Reporter, findings: list[Finding]) -> None:
    if not findings:
        return
    positions = {id(segment): position for segment, position in rep.record.segment_offsets()}
    for finding in findings:
        rule = finding.rule
        rep.field(finding.segment, positions[id(finding.segment)], finding.field, rule.id,
                  finding.reason, rule.severity)  # fmt: skip


def check_record(record: Record, activity: date | None = None) -> list[Problem]:
    """Every problem inside one record (structure, fields, consistency), in position order.
    `activity` is the header's activity date, when the record came in a file."""
    rep = _Reporter(record)
    _check_structure(rep)
    _check_segments(rep)
    for segment, position in record.segment_offsets():
        _check_characters(rep, segment, position)
        if placeholder(segment):
            continue
        _check_fields(rep, segment, position)
        _check_identity(rep, segment, position)
    if record.kind == "base":  # every field is decoded by now (_check_fields)
        _report_findings(rep, record_findings(record, activity))
    return rep.problems


def check_cycle(record: Record, previous: Record, activity: date | None = None,
                previous_activity: date | None = None) -> list[Problem]:  # fmt: skip
    """The cycle-to-cycle findings of a base record against the same account's record of the
    previous cycle (located in this record; the previous one is only read)."""
    rep = _Reporter(record)
    _report_findings(rep, cycle_findings(record, previous, activity, previous_activity))
    return rep.problems


def reporting_period_start(activity: date) -> date:
    """M2-S13's period: the activity date's month and the month before (none before year 1)."""
    first = activity.replace(day=1)
    return first if first == date.min else (first - timedelta(days=1)).replace(day=1)


class FileValidator:
    """Feed items in order with `check`; call `finish` at the end for file-level problems."""

    def __init__(self, duplicates: Mapping[AccountKey, list[int]] | None = None) -> None:
        """`duplicates`, when known beforehand (see `duplicate_accounts`), flags every record of
        an account reported twice, and no account is remembered (an ingest's memory does
        not grow with the file); without it the second and later ones are flagged."""
        self.duplicates = duplicates
        self.seen: dict[AccountKey, int] = {}
        self.totals = Totals()
        self.headers = 0
        self.trailer: Record | None = None
        self.first: Item | None = None
        self.last_number = 0
        self.bases = 0
        self.rejected_bases = 0
        self.flagged_bases = 0  # landed, with findings for review
        self.activity: date | None = None  # the header's activity date

    def check(self, item: Item) -> list[Problem]:
        if isinstance(item, Gap):
            if item.reason is None:
                return []
            self.last_number = item.number
            return [Problem(item.number, "file", None, None, None, item.offset,
                            item.raw[:40], "M2-S01", item.reason)]  # fmt: skip
        self.last_number = item.number
        problems = check_record(item, self.activity)
        first = self.headers == 0 and self.totals.records == 0
        if item.kind == "header":
            self.headers += 1
            if first:
                activity = item.main.get("activity_date")
                self.activity = activity if isinstance(activity, date) else None
            if not first:
                problems.append(Problem(item.number, "header", None, None, None, item.offset,
                                        None, "M2-S07", "a second header record"))  # fmt: skip
        elif first:
            problems.append(
                Problem(
                    item.number,
                    item.kind,
                    None,
                    None,
                    None,
                    item.offset,
                    None,
                    "M2-S07",
                    "the file does not start with a header record",
                )
            )
        if self.trailer is not None:
            problems.append(Problem(item.number, item.kind, None, None, None, item.offset, None,
                                    "M2-S08", "record after the trailer"))  # fmt: skip
        if item.kind == "trailer":
            if self.trailer is None:
                problems.extend(self._check_totals(item))
                self.trailer = item
        else:
            self.totals.add(item)
        if item.kind == "base":
            problems.extend(self._check_account(item))
            self.bases += 1
            if any(p.rejects for p in problems):
                self.rejected_bases += 1
            elif problems:
                self.flagged_bases += 1
        return problems

    def _check_account(self, record: Record) -> list[Problem]:
        """One account once per file (the last must not silently win), reported within the
        header's reporting period."""
        rep = _Reporter(record)
        key = account_key(record)
        if key[1]:
            if self.duplicates is not None:
                others = [n for n in self.duplicates.get(key, []) if n != record.number]
            else:
                first = self.seen.setdefault(key, record.number)
                others = [first] if first != record.number else []
            if others:
                f = record.main.layout["consumer_account_number"]
                rep.field(record.main, record.prefix_length, f, "M2-S12",
                          "the same account (identification and account number) is also "
                          f"reported by record {', '.join(map(str, others))}")  # fmt: skip
        doai = record.main.get("date_account_information")
        if self.activity is not None and isinstance(doai, date):
            activity = self.activity
            start = reporting_period_start(activity)
            if not start <= doai <= activity:
                f = record.main.layout["date_account_information"]
                rep.field(record.main, record.prefix_length, f, "M2-S13",
                          f"{doai.isoformat()} is outside the reporting period of the header's "
                          f"activity date {activity.isoformat()} (from {start.isoformat()})")  # fmt: skip
        return rep.problems

    def _check_totals(self, trailer: Record) -> list[Problem]:
        rep = _Reporter(trailer)
        expected = self.totals.expected()
        segment = trailer.main
        for name, count in expected.items():
            f = segment.layout[name]
            try:
                claimed = decode(f, segment.text[f.slice])
            except FieldError:
                continue  # already reported by M2-F01
            if claimed != count:
                rep.field(segment, trailer.prefix_length, f, "M2-T01",
                          f"trailer says {claimed}, the file holds {count}")  # fmt: skip
        return rep.problems

    def finish(self) -> list[Problem]:
        if self.trailer is None:
            return [Problem(self.last_number, "file", None, None, None, None, None, "M2-S08",
                            "the file has no trailer record")]  # fmt: skip
        return []


AccountKey = tuple[str, str]


def account_key(record: Record) -> AccountKey:
    """(identification number, consumer account number): one account of one furnisher."""
    main = record.main
    return main.raw("identification_number").strip(), main.raw("consumer_account_number").strip()


def duplicate_accounts(items: Iterable[Item]) -> dict[AccountKey, list[int]]:
    """Accounts reported by more than one base record, with those records' numbers."""
    seen: dict[AccountKey, list[int]] = {}
    for item in items:
        if isinstance(item, Record) and item.kind == "base":
            key = account_key(item)
            if key[1]:
                seen.setdefault(key, []).append(item.number)
    return {key: numbers for key, numbers in seen.items() if len(numbers) > 1}


def validate_items(items: Iterable[Item]) -> Iterator[Problem]:
    validator = FileValidator()
    for item in items:
        yield from validator.check(item)
    yield from validator.finish()
