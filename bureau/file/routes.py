"""GET /v1/me/file: the subject's own full disclosure, logged like any other access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import psycopg
from fastapi import APIRouter, Query, Request

from bureau.api.deps import SignerDep, Subject, Tx, VaultDep
from bureau.audit import log
from bureau.audit.access_log import subject_log
from bureau.file import repo
from bureau.file.assemble import assemble
from bureau.file.disclosure import disclosure
from bureau.score.scoring import score_file
from bureau.vault import Vault

DisclosureSection = Callable[[psycopg.Connection[Any], Vault, UUID, datetime], dict[str, Any]]
"""Adds keys to the disclosure; `bureau.app` lists them in `app.state.disclosure_sections`
(how consent's grants and freeze get in without bureau importing consent)."""

router = APIRouter(prefix="/v1/me", tags=["subject"])

OWN_ACCESS_PURPOSE = "consumer-disclosure"


@router.get("/file", summary="Everything held about me, every source and every inquiry")
def my_file(
    request: Request,
    subject: Subject,
    conn: Tx,
    vault: VaultDep,
    key: SignerDep,
    truncate_national_id: Annotated[
        bool,
        Query(description="Show only the last four digits of the national id (FCRA §609(a)(1)(A))"),
    ] = False,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    file = assemble(conn, vault, subject.subject_id, now)
    # Every earlier access, each with its proof against a fresh signed tree head (pending
    # entries are numbered first). This disclosure's own entry is numbered after it commits.
    access_log = subject_log(conn, key, subject.subject_id, now)
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
    log.append(
        conn,
        "file.disclosed",
        subject.subject_id,
        {"to": "subject", "credential_id": subject.credential_id, "inquiry_id": str(inquiry_id)},
    )
    body = disclosure(file, truncate_national_id=truncate_national_id)
    body["score"] = score_file(file, now.date()).as_dict()  # FCRA §609(f), with its points
    sections: list[DisclosureSection] = getattr(request.app.state, "disclosure_sections", [])
    for section in sections:
        body.update(section(conn, vault, subject.subject_id, now))
    body["access_log"] = access_log
    return body
