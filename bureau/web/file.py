"""My file: every account in plain words, its source and 24-month history; and the JSON export.

Both call the disclosure service the API's GET /v1/me/file uses, so each page view writes the
same soft inquiry and audit entry.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bureau import obsolescence
from bureau.api.deps import SettingsDep, SignerDep, Tx, VaultDep
from bureau.file.disclosure import disclosure
from bureau.file.service import disclose_to_subject, full_disclosure
from bureau.notices import inbox
from bureau.policy.regime import live_rules
from bureau.web import wording
from bureau.web.deps import PortalVisitor
from bureau.web.render import page, secure
from consent import service as consent_service
from disputes import repo as disputes_repo
from disputes import service as disputes_service

router = APIRouter()


@router.get("/")
def home(visitor: PortalVisitor) -> Response:
    return secure(RedirectResponse("/portal/file", status_code=303))


@router.get("/file")
def my_file(request: Request, visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    file = disclose_to_subject(conn, vault, visitor.principal, channel="portal")
    retention = live_rules().retention
    shown = disclosure(file)
    shown_inquiries = {i["inquiry_id"] for i in shown["inquiries"]}
    return page(
        request,
        "file.html",
        visitor=visitor,
        current="file",
        file=file,
        accounts=[wording.account_view(t) for t in file.tradelines],
        bankruptcies=[
            (str(b.bankruptcy_id), wording.bankruptcy_words(b)) for b in file.bankruptcies
        ],
        inquiries=[
            (i.created_at, wording.inquiry_words(i), str(i.inquiry_id), i.requester_org_id)
            for i in file.inquiries
            if str(i.inquiry_id) in shown_inquiries
        ],
        disputed_items={
            str(d.item_id)
            for d in disputes_repo.disputes_of_subject(conn, file.subject_id)
            if d.closed_at is None
        },
        leaves_reports_on={
            str(t.tradeline_id): expires
            for t in file.tradelines
            if (expires := obsolescence.tradeline_expires_on(t, retention)) is not None
        },
        today=file.as_of.date(),
        statements={str(s.item_id): s.text for s in file.statements},
        dispute_enabled=True,
    )


@router.get("/file.json")
def download(
    request: Request,
    visitor: PortalVisitor,
    conn: Tx,
    vault: VaultDep,
    key: SignerDep,
    settings: SettingsDep,
) -> Response:
    """All my data, machine-readable (GDPR Art. 20): GET /v1/me/file's disclosure (with the
    access log and its proofs), plus every consent ever given, alert history, disputes, notices."""
    sections = getattr(request.app.state, "disclosure_sections", [])
    body = full_disclosure(
        conn,
        vault,
        key,
        visitor.principal,
        sections,
        head_interval=settings.tree_head_interval,
        channel="portal-download",
    )
    now = datetime.now(UTC)
    subject_id = visitor.principal.subject_id
    body["consent_history"] = [
        g.model_dump(mode="json")
        for g in consent_service.list_grants(conn, subject_id, now, active_only=False)
    ]
    body["fraud_alert_history"] = [
        a.model_dump(mode="json") for a in consent_service.list_alerts(conn, vault, subject_id, now)
    ]
    body["disputes"] = [
        disputes_service.dispute_view(conn, vault, row, for_subject=True)
        for row in disputes_repo.disputes_of_subject(conn, subject_id)
    ]
    body["notices"] = [
        {"notice_id": n.notice_id, "kind": n.kind, "created_at": n.created_at, "body": n.body}
        for n in inbox.inbox(conn, visitor.principal)
    ]
    name = f"fairfile-my-data-{now:%Y-%m-%d}.json"
    response = JSONResponse(
        jsonable_encoder(body), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
    return secure(response)
