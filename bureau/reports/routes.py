"""Reports over HTTP: a released report fetched again by the organization it was released to.

The pull itself (`POST /v1/reports`) is consent's route; this one only re-delivers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Response

from bureau.api.contract import refuses
from bureau.api.deps import UserOnTheLoop
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
async def fetch_again(report_id: UUID, user: UserOnTheLoop) -> Response:
    body = await redeliver(user.conn, user.vault, user.org.org_id, report_id, datetime.now(UTC))
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})
