"""GET /v1/me/file: the subject's own full disclosure, logged like any other access."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from bureau.api.contract import refuses
from bureau.api.deps import SettingsDep, SignerDep, Subject, Tx, VaultDep
from bureau.audit.errors import LogTampered
from bureau.file.schemas import Disclosure
from bureau.file.service import OWN_ACCESS_PURPOSE, DisclosureSection, full_disclosure

router = APIRouter(prefix="/v1/me", tags=["subject"])

__all__ = ["OWN_ACCESS_PURPOSE", "DisclosureSection", "router"]


@router.get(
    "/file",
    response_model=None,
    responses={200: {"model": Disclosure, "description": "the whole disclosure"}},
    openapi_extra=refuses(LogTampered),
    summary="Everything held about me, every source and every inquiry",
)
def my_file(
    request: Request,
    subject: Subject,
    conn: Tx,
    vault: VaultDep,
    key: SignerDep,
    settings: SettingsDep,
    truncate_national_id: Annotated[
        bool,
        Query(description="Show only the last four digits of the national id (FCRA §609(a)(1)(A))"),
    ] = False,
) -> dict[str, Any]:
    sections: list[DisclosureSection] = getattr(request.app.state, "disclosure_sections", [])
    return full_disclosure(
        conn,
        vault,
        key,
        subject,
        sections,
        head_interval=settings.tree_head_interval,
        truncate_national_id=truncate_national_id,
    )
