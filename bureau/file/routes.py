"""GET /v1/me/file: the subject's own full disclosure, logged like any other access."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Query

from bureau.api.deps import Subject, Tx, VaultDep
from bureau.audit import log
from bureau.file import repo
from bureau.file.assemble import assemble
from bureau.file.disclosure import disclosure

router = APIRouter(prefix="/v1/me", tags=["subject"])

OWN_ACCESS_PURPOSE = "consumer-disclosure"


@router.get("/file", summary="Everything held about me, every source and every inquiry")
def my_file(
    subject: Subject,
    conn: Tx,
    vault: VaultDep,
    truncate_national_id: Annotated[
        bool,
        Query(description="Show only the last four digits of the national id (FCRA §609(a)(1)(A))"),
    ] = False,
) -> dict[str, Any]:
    now = datetime.now(UTC)
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
    log.append(
        conn,
        "file.disclosed",
        subject.subject_id,
        {"to": "subject", "credential_id": subject.credential_id, "inquiry_id": str(inquiry_id)},
    )
    return disclosure(file, truncate_national_id=truncate_national_id)
