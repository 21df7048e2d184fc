"""SQL for scores released with reports, and the report facts an adverse-action notice needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row

from bureau.db import id_routes


@dataclass(frozen=True, slots=True)
class ReportForNotice:
    """A released report, its requester's name and contact, and the score it carried (if any)."""

    subject_id: UUID
    report_id: UUID
    requester_org_id: UUID | None
    purpose: str
    created_at: datetime
    requester_name: str | None
    requester_address: str | None
    requester_phone: str | None
    score: dict[str, Any] | None


def report_for_notice(conn: psycopg.Connection[Any], report_id: UUID) -> ReportForNotice | None:
    """The report, its requester's name and contact, and the score it carried (if any). On
    Citus the report's route names its subject first, so the read is of one shard."""
    found = id_routes.keyed(conn, "report", report_id, "r.report_id", "r.subject_id")
    if found is None:
        return None
    where, params = found
    cur = conn.cursor(row_factory=class_row(ReportForNotice))
    cur.execute(
        f"""
        SELECT r.subject_id, r.report_id, r.requester_org_id, r.purpose, r.created_at,
               o.name AS requester_name, o.address AS requester_address,
               o.phone AS requester_phone, s.result AS score
        FROM reports r
        LEFT JOIN organizations o ON o.org_id = r.requester_org_id
        LEFT JOIN report_scores s ON s.subject_id = r.subject_id AND s.report_id = r.report_id
        WHERE {where}
        """.encode(),
        params,
    )
    with cur:
        return cur.fetchone()
