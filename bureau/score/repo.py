"""SQL for scores released with reports, and the report facts an adverse-action notice needs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


def report_for_notice(conn: psycopg.Connection[Any], report_id: UUID) -> dict[str, Any] | None:
    """The report, its requester's name and contact, and the score it carried (if any)."""
    cur = conn.execute(
        """
        SELECT r.subject_id, r.report_id, r.requester_org_id, r.purpose, r.created_at,
               o.name AS requester_name, o.address AS requester_address,
               o.phone AS requester_phone, s.result AS score
        FROM reports r
        LEFT JOIN organizations o ON o.org_id = r.requester_org_id
        LEFT JOIN report_scores s ON s.subject_id = r.subject_id AND s.report_id = r.report_id
        WHERE r.report_id = %s
        """,
        (report_id,),
    )
    row = cur.fetchone()
    return dict(row) if row else None
