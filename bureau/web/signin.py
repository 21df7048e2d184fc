"""Signing in and out of the portal with the subject credential.

The credential is checked by the same service the API uses (`authenticate_subject`); what the
browser keeps is a random session id (HttpOnly, Secure, SameSite=Strict) naming a server-side
session, never the credential. Failed attempts are limited (`bureau.web.signin_limit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bureau.api.deps import Tx
from bureau.auth.service import authenticate_subject
from bureau.config import PortalSettings
from bureau.errors import Unauthenticated
from bureau.web import session_store, signin_limit
from bureau.web.deps import FormExpired, FormVisitor, Now, PortalSettingsDep, SessionSignerDep
from bureau.web.render import page, secure
from bureau.web.session import PRESESSION_COOKIE, PRESESSION_LIFETIME, SESSION_COOKIE

router = APIRouter()

COOKIE_PATH = "/portal"


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def _form(
    request: Request,
    signer: SessionSignerDep,
    now: datetime,
    settings: PortalSettings,
    status_code: int = 200,
    **context: object,
) -> Response:
    value = signer.new_presession(now)
    nonce = signer.presession_nonce(value, now)
    assert nonce is not None
    csrf = signer.csrf_token(nonce)
    response = page(request, "signin.html", status_code, csrf=csrf, limits=settings, **context)
    set_cookie(response, PRESESSION_COOKIE, value, int(PRESESSION_LIFETIME.total_seconds()))
    return response


def client_address(request: Request) -> str:
    """The address the per-address limit counts: the TCP peer. Behind a reverse proxy that is
    the proxy (every visitor shares one limit) unless the server is run with the proxy's
    forwarded-address support (uvicorn `--proxy-headers --forwarded-allow-ips`)."""
    return request.client.host if request.client else "unknown"


def safe_next(target: str) -> str:
    """Where to go after signing in: only back to a consent request on this portal (never an
    outside URL: no open redirect)."""
    if target.startswith("/portal/authorize?") and "//" not in target and "\\" not in target:
        return target
    return ""


@router.get("/signin")
def signin_form(
    request: Request,
    signer: SessionSignerDep,
    now: Now,
    settings: PortalSettingsDep,
    expired: bool = False,
    signed_out: bool = False,
    next: str = "",
) -> Response:
    return _form(request, signer, now, settings, expired=expired, signed_out=signed_out,
                 next=safe_next(next))  # fmt: skip


@router.post("/signin")
def signin(
    request: Request,
    conn: Tx,
    signer: SessionSignerDep,
    now: Now,
    settings: PortalSettingsDep,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    nonce = signer.presession_nonce(request.cookies.get(PRESESSION_COOKIE), now)
    if not signer.csrf_valid(nonce, csrf):
        raise FormExpired("the sign-in form expired; reload the page and try again", field="csrf")
    credential_id = signin_limit.credential_key(token)
    address = client_address(request)
    lockout = signin_limit.lockout(conn, credential_id, address, now, settings)
    if lockout is not None:
        seconds = lockout.seconds_left(now)
        minutes = -(-seconds // 60)
        until = f"{lockout.until:%H:%M} UTC on {lockout.until.day} {lockout.until:%B %Y}"
        problem = {
            "title": "Sign-in paused",
            "detail": (
                f"There were {lockout.reason}. For your protection, no sign-in is accepted "
                f"(not even with the right credential) until {until}, about {minutes} "
                f"minute{'s' if minutes != 1 else ''} from now. Please try again then."
            ),
        }
        response = _form(request, signer, now, settings, 429, problem=problem)
        response.headers["Retry-After"] = str(seconds)
        return response
    try:
        principal = authenticate_subject(conn, token)
    except Unauthenticated:
        signin_limit.record_failure(conn, credential_id, address, now, settings)
        problem = {
            "title": "Not signed in",
            "detail": "That credential was not recognised, or it was revoked.",
        }
        return _form(request, signer, now, settings, 401, problem=problem, next=safe_next(next))
    response = secure(RedirectResponse(safe_next(next) or "/portal/file", status_code=303))
    replaced = request.cookies.get(SESSION_COOKIE)
    if replaced:  # signing in again ends the session this browser held, not just its cookie
        session_store.end(conn, replaced, now)
    session_id = session_store.start(conn, principal, now, settings)
    set_cookie(response, SESSION_COOKIE, session_id, int(settings.session_lifetime.total_seconds()))
    response.delete_cookie(
        PRESESSION_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
    return response


@router.post("/signout")
def signout(request: Request, conn: Tx, visitor: FormVisitor, now: Now) -> Response:
    """End the session on the server (every copy of the cookie dies), then drop the cookie."""
    session_store.end(conn, request.cookies[SESSION_COOKIE], now)
    response = secure(RedirectResponse("/portal/signin?signed_out=1", status_code=303))
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
    return response
