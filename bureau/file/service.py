"""The subject's own disclosure as one service, so the API and the portal log it the same way.

Every time a subject reads their file (by API, page or download) an inquiry and an audit entry
are written in the caller's transaction: the subject's own accesses appear in their access log
like anyone else's, and a page cannot show data that was not logged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import psycopg

from bureau.audit import log
from bureau.auth.service import SubjectPrincipal
from bureau.file import repo
from bureau.file.assemble import assemble
from bureau.model import CreditFile
from bureau.vault import Vault

OWN_ACCESS_PURPOSE = "consumer-disclosure"


def disclose_to_subject(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject: SubjectPrincipal,
    *,
    channel: str = "api",
    at: datetime | None = None,
    event: str = "file.disclosed",
    details: dict[str, Any] | None = None,
) -> CreditFile:
    """Assemble the subject's file and record the access (soft inquiry + audit entry).

    `event` and `details` name what was shown (the file, the score, a what-if), so the access
    log says what the subject looked at, not only that they looked.
    """
    now = at or datetime.now(UTC)
    file = assemble(conn, vault, subject.subject_id, now)
    inquiry_id = uuid4()
    repo.insert_inquiry(
        conn,
        {
            "subject_id": subject.subject_id,
            "inquiry_id": inquiry_id,
            "requester_org_id": None,
            "purpose": OWN_ACCESS_PURPOSE,
            "kind": "soft",
            "grant_id": None,
            "report_id": None,
            "created_at": now,
        },
    )
    entry: dict[str, Any] = {
        "to": "subject",
        "credential_id": subject.credential_id,
        "inquiry_id": str(inquiry_id),
        **(details or {}),
    }
    if channel != "api":
        entry["channel"] = channel
    log.append(conn, event, subject.subject_id, entry)
    return file
