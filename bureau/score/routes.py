"""The subject's own score and what-if: GET /v1/me/score, POST /v1/me/score/what-if.

Both read the file, so both are logged like any other access: a soft inquiry (own access) and
an audit entry, written in the request's one transaction, as GET /v1/me/file does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import psycopg
from fastapi import APIRouter

from bureau.api.deps import Subject, Tx, VaultDep
from bureau.audit import log
from bureau.auth.service import SubjectPrincipal
from bureau.file import repo
from bureau.file.assemble import assemble
from bureau.file.routes import OWN_ACCESS_PURPOSE
from bureau.score.admissible import ScoringInput
from bureau.score.schemas import WhatIfIn
from bureau.score.scorecard import load_scorecard
from bureau.score.scoring import admissible_input, score_input
from bureau.score.whatif import what_if
from bureau.vault import Vault

router = APIRouter(prefix="/v1/me/score", tags=["subject"])


def _own_file(
    conn: psycopg.Connection[Any], vault: Vault, subject: SubjectPrincipal, event: str,
    now: datetime,
) -> ScoringInput:  # fmt: skip
    """Assemble the subject's file and log the access (soft inquiry + audit entry)."""
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
        event,
        subject.subject_id,
        {
            "to": "subject",
            "credential_id": subject.credential_id,
            "inquiry_id": str(inquiry_id),
            "scorecard": load_scorecard().id,
        },
    )
    return admissible_input(file, now.date())


@router.get("", summary="My score, every attribute's points and maximum, and the key factors")
def my_score(subject: Subject, conn: Tx, vault: VaultDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    data = _own_file(conn, vault, subject, "score.disclosed", now)
    return score_input(data).as_dict()


@router.post("/what-if", summary="How my score would move after some changes (nothing is stored)")
def my_what_if(body: WhatIfIn, subject: Subject, conn: Tx, vault: VaultDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    data = _own_file(conn, vault, subject, "score.what-if", now)
    return what_if(data, body.to_domain()).as_dict()
