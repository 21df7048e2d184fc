"""The portal's pages, all under /portal (one entry in the app's ROUTER_MODULES)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from bureau.web import (
    access_log,
    authorize,
    consents,
    disputes,
    file,
    freeze,
    notices,
    score,
    signin,
)

router = APIRouter(prefix="/portal", include_in_schema=False)

_CSS = (Path(__file__).parent / "static" / "portal.css").read_bytes()


@router.get("/static/portal.css")
def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


for module in (signin, file, score, access_log, consents, freeze, disputes, notices, authorize):
    router.include_router(module.router)
