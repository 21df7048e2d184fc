"""The consent page a lender sends a subject to (the OAuth authorization endpoint).

The request is checked by the authorization server (`consent.oauth.server`) before anything
is shown: an unknown client or an unregistered redirect URI gets an error page here and is
never redirected to; any other fault goes back to the lender's verified redirect URI as RFC
6749 §4.1.2.1 says. A subject not signed in signs in first and comes back. The page says who
asks, why, what they will see, how many times, until when, and that it can be revoked;
"Allow" records a pending grant and sends a one-time code, "Decline" sends `access_denied`.
Both are in the subject's access log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from bureau import events
from bureau.api.deps import SettingsDep, SignerDep, Tx
from bureau.subjects import repo as subjects_repo
from bureau.web.deps import (
    FormExpired,
    Now,
    PortalSettingsDep,
    SessionSignerDep,
    SignInRequired,
    Visitor,
    signed_in,
)
from bureau.web.render import page, secure
from consent import repo as consent_repo
from consent.oauth.server import CODE_LIFETIME, BureauServer, Incoming
from consent.purposes import Purpose, purposes

router = APIRouter()

_NOT_OAUTH = frozenset({"csrf", "decision"})


def _incoming(request: Request, items: list[tuple[str, str]]) -> Incoming:
    return Incoming(request.method, str(request.url), request.headers, items)


def _answer(status: int, body: Any, headers: dict[str, str]) -> Response:
    if status == 302 and "Location" in headers:
        return secure(RedirectResponse(headers["Location"], status_code=302))
    raise AssertionError(f"unexpected authorization response {status}")


def _refused(request: Request, server: BureauServer, incoming: Incoming, error: OAuth2Error
             ) -> Response:  # fmt: skip
    """To the lender when its redirect URI is verified; otherwise a page, never a redirect."""
    if error.redirect_uri:
        return _answer(*server.handle_error_response(incoming, error))
    return page(
        request, "error.html", status_code=400, status=400,
        title="This request for your consent cannot be used",
        detail=f"The organization's request is not valid ({error.error}: "
               f"{error.description or 'no detail'}). Nothing was shared. You can close this "
               "page; tell the organization if it keeps happening.",
        field=None,
    )  # fmt: skip


def _visitor(request: Request, conn: Tx, signer: Any, now: datetime, settings: Any
             ) -> Visitor | None:  # fmt: skip
    try:
        return signed_in(request, conn, signer, now, settings)
    except SignInRequired:
        return None


def _sign_in_first(request: Request) -> Response:
    back = request.url.path + ("?" + request.url.query if request.url.query else "")
    return secure(RedirectResponse(f"/portal/signin?next={quote(back, safe='')}", 303))


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


@router.get("/authorize")
def authorize(
    request: Request,
    conn: Tx,
    key: SignerDep,
    signer: SessionSignerDep,
    now: Now,
    settings: PortalSettingsDep,
    bureau: SettingsDep,
) -> Response:
    items = list(request.query_params.multi_items())
    incoming = _incoming(request, items)
    server = BureauServer(conn, key, now, issuer=bureau.issuer)
    try:
        grant = server.get_consent_grant(incoming)
    except OAuth2Error as error:
        return _refused(request, server, incoming, error)
    visitor = _visitor(request, conn, signer, now, settings)
    if visitor is None:
        return _sign_in_first(request)
    subject_id = visitor.principal.subject_id
    terms = grant.request.terms
    closed = subjects_repo.file_status(conn, subject_id) == "closed"
    response = page(
        request, "authorize.html", visitor=visitor, current="consents",
        client=grant.request.client, terms=terms, fields=items,
        citation=purposes()[Purpose(terms.purpose)].citation,
        frozen=consent_repo.active_freeze(conn, subject_id) is not None, closed=closed,
        code_seconds=int(CODE_LIFETIME.total_seconds()),
    )  # fmt: skip
    # The form's answer is a redirect to the lender: the page's policy must allow it there.
    response.headers["Content-Security-Policy"] = response.headers[
        "Content-Security-Policy"
    ].replace("form-action 'self'", f"form-action 'self' {_origin(grant.redirect_uri)}")
    return response


@router.post("/authorize")
async def decide(
    request: Request,
    conn: Tx,
    key: SignerDep,
    signer: SessionSignerDep,
    now: Now,
    settings: PortalSettingsDep,
    bureau: SettingsDep,
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k not in _NOT_OAUTH]
    incoming = _incoming(request, items)

    def work() -> Response:
        visitor = signed_in(request, conn, signer, now, settings)
        if fields.get("csrf") != visitor.csrf:
            raise FormExpired(
                "the form was not sent from this session; go back to the organization and "
                "start again", field="csrf",
            )  # fmt: skip
        server = BureauServer(conn, key, now, issuer=bureau.issuer)
        try:
            grant = server.get_consent_grant(incoming)
        except OAuth2Error as error:
            return _refused(request, server, incoming, error)
        subject_id = visitor.principal.subject_id
        allow = fields.get("decision") == "allow"
        if allow and subjects_repo.file_status(conn, subject_id) == "closed":
            allow = False
        if not allow:
            terms = grant.request.terms
            events.publish(conn, events.ConsentDeclined(
                subject_id=subject_id, to=grant.request.client.org_id, purpose=terms.purpose,
                scope=terms.scope,
            ))  # fmt: skip
        result = server.create_authorization_response(
            incoming, grant_user=subject_id if allow else None, grant=grant
        )
        return _answer(*result)

    return await run_in_threadpool(work)
