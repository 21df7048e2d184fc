"""GET /v1/me/file: the subject's own full disclosure, logged like any other access."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from bureau.api.deps import Subject, Tx, VaultDep
from bureau.file.disclosure import disclosure
from bureau.file.service import OWN_ACCESS_PURPOSE, disclose_to_subject

router = APIRouter(prefix="/v1/me", tags=["subject"])

__all__ = ["OWN_ACCESS_PURPOSE", "router"]


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
    file = disclose_to_subject(conn, vault, subject)
    return disclosure(file, truncate_national_id=truncate_national_id)
