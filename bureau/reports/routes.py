"""Reports over HTTP: a released report fetched again by the organization it was released to.

The pull itself (`POST /v1/reports`) is consent's route; this one only re-delivers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from fastapi import APIRouter, Response

from bureau.api.contract import refuses
from bureau.api.deps import (
    AsyncPoolDep,
    BearerDep,
    VaultDep,
    in_one_async_transaction,
    presented_key,
)
from bureau.auth.service import authenticate_org
from bureau.db.batch import run_async
from bureau.reports.redelivery import ReportNotHeld, redeliver
from consent.errors import FileClosedDenied, FileShreddedDenied
from consent.schemas import ReleasedReport

router = APIRouter()


@router.get(
    "/v1/reports/{report_id}",
    tags=["reports"],
    summary="A report released to you, again: the same signed bytes (the re-delivery is logged)",
    description="Needs an organization's API key (`Authorization: Bearer ffk_...`) with the "
    "`pull` scope; another organization's report id is not found.",
    openapi_extra=refuses(ReportNotHeld, FileShreddedDenied, FileClosedDenied),
    responses={
        200: {
            "description": "The body `POST /v1/reports` returned, byte for byte",
            "model": ReleasedReport,
        }
    },
)
async def fetch_again(
    report_id: UUID, credentials: BearerDep, pool: AsyncPoolDep, vault: VaultDep
) -> Response:
    async def work(conn: psycopg.AsyncConnection[Any]) -> bytes:
        user = await run_async(conn, authenticate_org(presented_key(credentials)))
        user.require("pull")
        return await redeliver(conn, vault, user.org_id, report_id, datetime.now(UTC))

    body = await in_one_async_transaction(pool, work)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})
