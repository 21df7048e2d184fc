"""Notices: the inbox of letters the bureau sent the subject, each readable as a letter."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bureau.api.deps import Tx
from bureau.notices import inbox
from bureau.web.deps import PortalVisitor
from bureau.web.render import page

router = APIRouter()


@router.get("/notices")
def notices(request: Request, visitor: PortalVisitor, conn: Tx) -> Response:
    return page(
        request, "notices.html", visitor=visitor, current="notices",
        notices=inbox.inbox(conn, visitor.principal),
    )  # fmt: skip


@router.get("/notices/{notice_id}")
def notice(request: Request, notice_id: UUID, visitor: PortalVisitor, conn: Tx) -> Response:
    letter = inbox.open_notice(conn, visitor.principal, notice_id, channel="portal")
    return page(request, "notice.html", visitor=visitor, current="notices", notice=letter)
