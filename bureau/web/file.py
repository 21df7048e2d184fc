"""My file: every account in plain words, its source and 24-month history; and the JSON export.

Both call the disclosure service the API's GET /v1/me/file uses, so each page view writes the
same soft inquiry and audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bureau.api.deps import Tx, VaultDep
from bureau.file.disclosure import disclosure
from bureau.file.service import disclose_to_subject
from bureau.notices import inbox
from bureau.web import wording
from bureau.web.deps import PortalVisitor
from bureau.web.render import page, secure

router = APIRouter()


@router.get("/")
def home(visitor: PortalVisitor) -> Response:
    return secure(RedirectResponse("/portal/file", status_code=303))


@router.get("/file")
def my_file(request: Request, visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    file = disclose_to_subject(conn, vault, visitor.principal, channel="portal")
    shown = disclosure(file)
    shown_inquiries = {i["inquiry_id"] for i in shown["inquiries"]}
    return page(
        request,
        "file.html",
        visitor=visitor,
        current="file",
        file=file,
        accounts=[wording.account_view(t) for t in file.tradelines],
        bankruptcy_lines=[wording.bankruptcy_words(b) for b in file.bankruptcies],
        inquiries=[
            (i.created_at, wording.inquiry_words(i))
            for i in file.inquiries
            if str(i.inquiry_id) in shown_inquiries
        ],
        disputed_items=set(),
        obsolete_items=set(),
        dispute_enabled=False,
    )


@router.get("/file.json")
def download(visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    """All my data, machine-readable (GDPR Art. 20): the disclosure plus my notices."""
    file = disclose_to_subject(conn, vault, visitor.principal, channel="portal-download")
    body: dict[str, Any] = disclosure(file)
    body["notices"] = [
        {
            "notice_id": str(n.notice_id),
            "kind": n.kind,
            "created_at": n.created_at.isoformat(),
            "body": n.body,
        }
        for n in inbox.inbox(conn, visitor.principal)
    ]
    name = f"fairfile-my-data-{datetime.now(UTC):%Y-%m-%d}.json"
    response = JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return secure(response)
