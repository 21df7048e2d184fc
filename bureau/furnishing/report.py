"""What an ingest tells the furnisher: counts, every rejected record with its problems, and
file-level findings. JSON for the API, CSV (one row per problem) for the command line."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID

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
)
SUMMARY_PROBLEMS = 50  # how many problems the stored batch summary keeps


@dataclass
class Rejection:
    record: int
    account: str  # the furnisher's own account number, so they can find the record
    problems: list[Problem]


@dataclass
class IngestReport:
    batch_id: UUID
    furnisher_id: UUID
    source: str
    digest: str
    duplicate: bool = False
    records: int = 0
    accepted: int = 0
    rejected: int = 0
    subjects_created: int = 0
    matched: dict[str, int] = field(default_factory=dict)
    tradelines: dict[str, int] = field(default_factory=dict)
    not_stored: dict[str, int] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts and the first problems: what the batch record keeps."""
        data = self.to_json(limit=SUMMARY_PROBLEMS)
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
            "subjects_created": self.subjects_created,
            "matched": self.matched,
            "tradelines": self.tradelines,
            "not_stored": self.not_stored,
            "rejections": [
                {
                    "record": r.record,
                    "account": r.account,
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in rejections
            ],
            "file_problems": [p.to_dict() for p in self.file_problems],
        }

    def rejections_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(("account", *PROBLEM_COLUMNS))
        for rejection in self.rejections:
            for problem in rejection.problems:
                row = asdict(problem)
                writer.writerow((rejection.account, *(row[c] for c in PROBLEM_COLUMNS)))
        for problem in self.file_problems:
            row = asdict(problem)
            writer.writerow(("", *(row[c] for c in PROBLEM_COLUMNS)))
        return out.getvalue()
