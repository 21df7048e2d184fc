"""The subject's own score and what-if: GET /v1/me/score, POST /v1/me/score/what-if.

Both read the file, so both are logged like any other access: a soft inquiry (own access) and
an audit entry, written in the request's one transaction, as GET /v1/me/file does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from bureau.api.deps import Subject, Tx, VaultDep
from bureau.file.score_disclosure import own_scoring_input
from bureau.score.schemas import ScoreOut, WhatIfIn, WhatIfOut
from bureau.score.scoring import score_input
from bureau.score.whatif import what_if

router = APIRouter(prefix="/v1/me/score", tags=["subject"])


@router.get(
    "",
    response_model=None,
    responses={200: {"model": ScoreOut, "description": "the score and how it was reached"}},
    summary="My score, every attribute's points and maximum, and the key factors",
)
def my_score(subject: Subject, conn: Tx, vault: VaultDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    data = own_scoring_input(conn, vault, subject, "score.disclosed", now)
    return score_input(data).as_dict()


@router.post(
    "/what-if",
    response_model=None,
    responses={200: {"model": WhatIfOut, "description": "the score before and after"}},
    summary="How my score would move after some changes (nothing is stored)",
)
def my_what_if(body: WhatIfIn, subject: Subject, conn: Tx, vault: VaultDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    data = own_scoring_input(conn, vault, subject, "score.what-if", now)
    return what_if(data, body.to_domain()).as_dict()
