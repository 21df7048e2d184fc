"""What an ingest tells the furnisher: counts, every rejected record with its problems, and
file-level findings. JSON for the API, CSV (one row per problem) for the command line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

from bureau.furnishing.metro2.records import Gap, Record
from bureau.furnishing.metro2.validate import Problem

PROBLEM_COLUMNS = (
    "record",
    "segment",
    "field",
    "start",
    "end",
    "offset",
    "value",
    "rule",
    "reason",
    "severity",
)
SUMMARY_PROBLEMS = 50  # how many problems the stored batch summary keeps
BATCH_LOOKBACK = 2000  # how far back flag() looks for the same record (one ingest batch)
KEPT = 1000  # rejections (and file problems) held in memory for the JSON report; a sink sees all


@dataclass
class Rejection:
    record: int
    account: str  # the furnisher's own account number, so they can find the record
    problems: list[Problem]


def _located(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem without the value found or the reason quoting it: where, and which rule."""
    return {k: v for k, v in problem.items() if k not in ("value", "reason")}


@dataclass
class IngestReport:
    batch_id: UUID
    furnisher_id: UUID
    source: str
    digest: str
    duplicate: bool = False
    records: int = 0  # base records: accepted + rejected
    accepted: int = 0
    rejected: int = 0
    # the file's other physical records: headers and trailers, and unreadable stretches (each
    # listed in file_problems with its offset and why), so records + control + unreadable is
    # everything the file holds
    control: int = 0
    unreadable: int = 0
    subjects_created: int = 0
    matched: dict[str, int] = field(default_factory=dict)
    # associated consumers (J1, J2) of the accepted accounts, by how each was matched
    associated: dict[str, int] = field(default_factory=dict)
    tradelines: dict[str, int] = field(default_factory=dict)
    renumbered: int = 0  # accounts given a new number (L1), same tradeline and history
    not_stored: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    # records that landed with findings for review (CFPB evaluators, cycle-to-cycle rules)
    flagged: int = 0
    findings: list[Rejection] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    not_listed: int = 0  # rejections and file problems beyond KEPT (counted, sent to the sink)
    sink: Callable[[Rejection | Problem], None] | None = field(default=None, repr=False)

    def count_other(self, item: Record | Gap) -> None:
        """A header, trailer or unreadable stretch (blank lines are not records)."""
        if isinstance(item, Record):
            self.control += 1
        elif item.reason is not None:
            self.unreadable += 1

    def reject(self, rejection: Rejection) -> None:
        """Count a rejected record; keep it for the report while memory allows."""
        self.rejected += 1
        self._keep(self.rejections, rejection)

    def flag(self, flagged: Rejection) -> None:
        """A record that landed with findings for review (one entry per record: findings
        across cycles join the record's own)."""
        for held in reversed(self.findings[-BATCH_LOOKBACK:]):
            if held.record == flagged.record:
                held.problems.extend(flagged.problems)
                return
        self.flagged += 1
        self._keep(self.findings, flagged)

    def file_problem(self, problem: Problem) -> None:
        self._keep(self.file_problems, problem)

    def _keep(self, into: list[Any], item: Rejection | Problem) -> None:
        if self.sink is not None:
            self.sink(item)
        if len(into) < KEPT:
            into.append(item)
        else:
            self.not_listed += 1

    def summary(self) -> dict[str, Any]:
        """Counts and where the first problems were: what the batch record keeps.

        Stored in plaintext and outside any subject's vault, so it must hold no personal data:
        a rejected field's value (an SSN, a name, an account number) and the reason text that
        quotes it go back to the furnisher in the response, never into the database.
        """
        data = self.to_json(limit=SUMMARY_PROBLEMS)
        for rejection in (*data["rejections"], *data["findings"]):
            del rejection["account"]
            rejection["problems"] = [_located(p) for p in rejection["problems"]]
        data["file_problems"] = [_located(p) for p in data["file_problems"]]
        data["rejections_truncated"] = len(self.rejections) > SUMMARY_PROBLEMS
        return data

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        rejections = self.rejections if limit is None else self.rejections[:limit]
        return {
            "batch_id": str(self.batch_id),
            "furnisher_id": str(self.furnisher_id),
            "source": self.source,
            "digest": self.digest,
            "duplicate": self.duplicate,
            "records": self.records,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "control": self.control,
            "unreadable": self.unreadable,
            "subjects_created": self.subjects_created,
            "matched": self.matched,
            "associated": self.associated,
            "tradelines": self.tradelines,
            "renumbered": self.renumbered,
            "not_stored": self.not_stored,
            "rejections": [
                {
                    "record": r.record,
                    "account": r.account,
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in rejections
            ],
            "flagged": self.flagged,
            "findings": [
                {
                    "record": r.record,
                    "account": r.account,
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in (self.findings if limit is None else self.findings[:limit])
            ],
            "file_problems": [p.to_dict() for p in self.file_problems],
            "not_listed": self.not_listed,
        }

    def rejections_csv(self) -> str:
        """The kept rejections and file problems as CSV (see CsvSink for all of them)."""
        out = io.StringIO()
        sink = CsvSink(out)
        items: list[Rejection | Problem] = [*self.rejections, *self.file_problems]
        for item in items:
            sink(item)
        return out.getvalue()


class CsvSink:
    """Writes every rejection (one row per problem) and file problem as CSV, as they come."""

    def __init__(self, out: io.TextIOBase | Any) -> None:
        self.writer = csv.writer(out)
        self.writer.writerow(("account", *PROBLEM_COLUMNS))

    def __call__(self, item: Rejection | Problem) -> None:
        if isinstance(item, Rejection):
            for problem in item.problems:
                row = asdict(problem)
                self.writer.writerow((item.account, *(row[c] for c in PROBLEM_COLUMNS)))
        else:
            row = asdict(item)
            self.writer.writerow(("", *(row[c] for c in PROBLEM_COLUMNS)))
