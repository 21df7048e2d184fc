"""Consents: grant a requester access (purpose, scope, expiry), list, revoke, download a receipt.

Every action is the consent service the API calls; a grant or revocation id from another
subject is "not found" there, so a form cannot touch anyone else's grants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bureau.api.deps import SignerDep, Tx
from bureau.errors import DomainError, InvalidInput
from bureau.orgs import repo as orgs_repo
from bureau.web import forms
from bureau.web.deps import FormVisitor, PortalVisitor, Visitor
from bureau.web.render import page
from consent import service
from consent.oauth import repo as oauth_repo
from consent.purposes import Purpose, grantable, purposes

router = APIRouter()

DONE = {
    "granted": "Consent granted. Your signed receipt is ready to download.",
    "revoked": "Consent revoked. That organization can no longer get your report under it.",
}


def _page(
    request: Request, visitor: Visitor, conn: Tx, status_code: int = 200, **extra: Any
) -> Response:
    now = datetime.now(UTC)
    grants = [g.model_dump(mode="json") for g in
              service.list_grants(conn, visitor.principal.subject_id, now, active_only=False)]  # fmt: skip
    return page(
        request, "consents.html", status_code, visitor=visitor, current="consents",
        grants=grants, requesters=orgs_repo.requesters(conn),
        asked=pending_requests(conn, visitor.principal.subject_id, now),
        purposes=[(p, purposes()[Purpose(p)].citation) for p in grantable()],
        done=DONE.get(request.query_params.get("done", "")), **extra,
    )  # fmt: skip


def pending_requests(conn: Tx, subject_id: UUID, now: datetime) -> list[dict[str, Any]]:
    """Requests the subject allowed whose lender has not (or never) collected the consent:
    pending while the code lives, then void; neither ever let anyone see the file."""
    rows = oauth_repo.authorizations_for(conn, subject_id)
    return [
        {"requester": r.requester_name, "purpose": r.purpose, "scope": r.scope,
         "allowed_at": r.created_at,
         "status": "pending" if r.status == "pending" and r.code_expires_at > now
         else "void"}
        for r in rows
    ]  # fmt: skip


@router.get("/consents")
def consents(request: Request, visitor: PortalVisitor, conn: Tx) -> Response:
    return _page(request, visitor, conn)


@router.post("/consents")
def grant(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    key: SignerDep,
    requester: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "full",
    expires_on: Annotated[str, Form()] = "",
    use: Annotated[str, Form()] = "single",
) -> Response:
    try:
        if use not in {"single", "recurring"}:
            raise InvalidInput("choose single use or recurring", field="use")
        org_id = forms.uuid_field(requester, "requester")
        assert org_id is not None
        expires_at = forms.day_start(forms.date_field(expires_on, "expires_on"))
        with conn.transaction():
            service.grant_consent(
                conn, key, visitor.principal.subject_id, org_id, purpose, scope, None,
                expires_at, 1 if use == "single" else None, datetime.now(UTC),
            )  # fmt: skip
    except DomainError as exc:
        return _page(request, visitor, conn, exc.status, problem=exc, form=dict(
            requester=requester, purpose=purpose, scope=scope, expires_on=expires_on, use=use))  # fmt: skip
    return forms.done("/portal/consents", "granted")


@router.post("/consents/{grant_id}/revoke")
def revoke(
    request: Request, grant_id: UUID, visitor: FormVisitor, conn: Tx, key: SignerDep
) -> Response:
    service.revoke_grant(conn, key, visitor.principal.subject_id, grant_id, datetime.now(UTC))
    return forms.done("/portal/consents", "revoked")


@router.get("/consents/{grant_id}/receipt")
def receipt(grant_id: UUID, visitor: PortalVisitor, conn: Tx) -> Response:
    """The grant's signed receipt (compact JWS): `bureau consent verify FILE` checks it offline."""
    grant = service.get_grant(conn, visitor.principal.subject_id, grant_id, datetime.now(UTC))
    return Response(
        str(grant.receipt),
        media_type="application/jose",
        headers={
            "Content-Disposition": f'attachment; filename="consent-receipt-{grant_id}.jws"',
            "Cache-Control": "no-store",
        },
    )
