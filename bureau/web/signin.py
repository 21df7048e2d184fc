"""Signing in and out of the portal with the subject credential.

The credential is checked by the same service the API uses (`authenticate_subject`); what the
browser keeps is a signed session (HttpOnly, Secure, SameSite=Strict), never the credential.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bureau.api.deps import Tx
from bureau.auth.service import authenticate_subject
from bureau.errors import Unauthenticated
from bureau.web.deps import FormExpired, FormVisitor, SessionSignerDep
from bureau.web.render import page, secure
from bureau.web.session import (
    PRESESSION_COOKIE,
    PRESESSION_LIFETIME,
    SESSION_COOKIE,
    SESSION_LIFETIME,
)

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
    request: Request, signer: SessionSignerDep, status_code: int = 200, **context: object
) -> Response:
    value = signer.new_presession(datetime.now(UTC))
    nonce = signer.presession_nonce(value, datetime.now(UTC))
    assert nonce is not None
    response = page(request, "signin.html", status_code, csrf=signer.csrf_token(nonce), **context)
    set_cookie(response, PRESESSION_COOKIE, value, int(PRESESSION_LIFETIME.total_seconds()))
    return response


@router.get("/signin")
def signin_form(
    request: Request, signer: SessionSignerDep, expired: bool = False, signed_out: bool = False
) -> Response:
    return _form(request, signer, expired=expired, signed_out=signed_out)


@router.post("/signin")
def signin(
    request: Request,
    conn: Tx,
    signer: SessionSignerDep,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    now = datetime.now(UTC)
    nonce = signer.presession_nonce(request.cookies.get(PRESESSION_COOKIE), now)
    if not signer.csrf_valid(nonce, csrf):
        raise FormExpired("the sign-in form expired; reload the page and try again", field="csrf")
    try:
        principal = authenticate_subject(conn, token)
    except Unauthenticated:
        problem = {
            "title": "Not signed in",
            "detail": "That credential was not recognised, or it was revoked.",
        }
        return _form(request, signer, 401, problem=problem)
    response = secure(RedirectResponse("/portal/file", status_code=303))
    session = signer.new_session(principal.subject_id, principal.credential_id, now)
    set_cookie(response, SESSION_COOKIE, session, int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(
        PRESESSION_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
    return response


@router.post("/signout")
def signout(visitor: FormVisitor) -> Response:
    response = secure(RedirectResponse("/portal/signin?signed_out=1", status_code=303))
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
    return response
