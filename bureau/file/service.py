"""The subject's own disclosure as one service, so the API and the portal log it the same way.

Every time a subject reads their file (by API, page or download) an inquiry and an audit entry
are written in the caller's transaction: the subject's own accesses appear in their access log
like anyone else's, and a page cannot show data that was not logged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.audit.access_log import subject_log
from bureau.auth.service import SubjectPrincipal
from bureau.db.batch import run
from bureau.file import repo
from bureau.file.assemble import assemble
from bureau.file.disclosure import disclosure
from bureau.model import CreditFile
from bureau.score.scoring import score_file
from bureau.signing import SigningKey
from bureau.vault import Vault

OWN_ACCESS_PURPOSE = "consumer-disclosure"

DisclosureSection = Callable[[psycopg.Connection[Any], Vault, UUID, datetime], dict[str, Any]]
"""Adds keys to the disclosure; `bureau.app` lists them in `app.state.disclosure_sections`
(how consent's grants and freeze get in without bureau importing consent)."""


def record_own_access(
    conn: psycopg.Connection[Any],
    subject: SubjectPrincipal,
    at: datetime,
    *,
    channel: str = "api",
    event: str = "file.disclosed",
    details: dict[str, Any] | None = None,
) -> None:
    """The subject's own look, as a soft inquiry and an audit entry.

    `event` and `details` name what was shown (the file, the score, a what-if), so the access
    log says what the subject looked at, not only that they looked.
    """
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
            "created_at": at,
        },
    )
    events.publish(conn, events.OwnAccess(
        subject_id=subject.subject_id, what=event, credential_id=subject.credential_id,
        inquiry_id=inquiry_id, shown=details or {}, channel=None if channel == "api" else channel,
    ))  # fmt: skip


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
    """Assemble the subject's file and record the access (soft inquiry + audit entry)."""
    now = at or datetime.now(UTC)
    file = run(conn, assemble(vault, subject.subject_id, now))
    record_own_access(conn, subject, now, channel=channel, event=event, details=details)
    return file


def full_disclosure(
    conn: psycopg.Connection[Any],
    vault: Vault,
    key: SigningKey,
    subject: SubjectPrincipal,
    sections: Sequence[DisclosureSection],
    *,
    head_interval: timedelta,
    truncate_national_id: bool = False,
    channel: str = "api",
) -> dict[str, Any]:
    """The whole machine-readable disclosure (GET /v1/me/file, the portal's download): the file,
    the score, every section the app plugs in, and every earlier access with its proof
    (`head_interval`: the bureau's `Settings.tree_head_interval`)."""
    now = datetime.now(UTC)
    file = run(conn, assemble(vault, subject.subject_id, now))
    # Every earlier access, each with its proof against a signed tree head that covers them all
    # (the newest published one, or a new one if it misses the subject's own newest entry). This
    # disclosure's own entry is numbered once it commits, so it appears, with its proof, from
    # the next read on.
    access_log = subject_log(conn, key, subject.subject_id, now, interval=head_interval)
    record_own_access(conn, subject, now, channel=channel)
    body = disclosure(file, truncate_national_id=truncate_national_id)
    body["score"] = score_file(file, now.date()).as_dict()  # FCRA §609(f), with its points
    for section in sections:
        body.update(section(conn, vault, subject.subject_id, now))
    body["access_log"] = access_log
    return body
