"""Who is signed in to the portal, and the CSRF check every form post passes.

The portal's counterpart of `bureau.api.deps.Subject`: same principal, same credential check
(revoked credentials and closed files are refused), but found through the server-side session
the cookie names, read in the request's one transaction. Nothing in a portal URL or form names
a subject, so a page can only show the signed-in subject's data.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Form, Request

from bureau.api.deps import Tx
from bureau.auth.service import SubjectPrincipal
from bureau.config import PortalSettings
from bureau.errors import Forbidden, Unauthenticated
from bureau.web import session_store
from bureau.web.session import SESSION_COOKIE, Signer


class SignInRequired(Unauthenticated):
    type = "portal-sign-in-required"
    title = "Please sign in"


class FormExpired(Forbidden):
    """A form post without this session's CSRF token: refused before anything is written."""

    type = "portal-form-expired"
    title = "This form has expired"


def get_signer(request: Request) -> Signer:
    signer: Signer | None = getattr(request.app.state, "portal_signer", None)
    if signer is None:
        signer = Signer(request.app.state.vault.derived_key("portal-session"))
        request.app.state.portal_signer = signer
    return signer


SessionSignerDep = Annotated[Signer, Depends(get_signer)]


async def clock() -> datetime:
    """The request's time; overridden in tests to walk sessions and lockouts through time."""
    return datetime.now(UTC)


async def get_portal_settings(request: Request) -> PortalSettings:
    settings: PortalSettings = request.app.state.settings.portal
    return settings


Now = Annotated[datetime, Depends(clock)]
PortalSettingsDep = Annotated[PortalSettings, Depends(get_portal_settings)]


@dataclass(frozen=True)
class Visitor:
    """The signed-in subject and this session's CSRF token (for the page's forms)."""

    principal: SubjectPrincipal
    csrf: str

    @property
    def subject_id(self) -> str:
        return str(self.principal.subject_id)


def signed_in(
    request: Request,
    conn: Tx,
    signer: SessionSignerDep,
    now: Now,
    settings: PortalSettingsDep,
) -> Visitor:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise SignInRequired("sign in with your subject credential", field="session")
    stored = session_store.resume(conn, session_id, now, settings)
    if stored is None:
        raise SignInRequired("your session has ended; sign in again", field="session")
    principal = SubjectPrincipal(subject_id=stored.subject_id, credential_id=stored.credential_id)
    return Visitor(principal=principal, csrf=signer.csrf_token(session_id))


def checked_form(
    visitor: Annotated[Visitor, Depends(signed_in)], csrf: Annotated[str, Form()] = ""
) -> Visitor:
    if not csrf or not hmac.compare_digest(csrf, visitor.csrf):
        raise FormExpired(
            "the form was not sent from this session; reload the page and retry", field="csrf"
        )
    return visitor


PortalVisitor = Annotated[Visitor, Depends(signed_in)]
FormVisitor = Annotated[Visitor, Depends(checked_form)]
