"""Errors on portal pages: a readable page (or the sign-in page), never a stack trace.

Called by the app's one error mapping (`bureau.api.problems`) for paths under /portal, so the
rule-to-status table stays in one place and only the presentation differs.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bureau.web.render import page, secure
from bureau.web.session import SESSION_COOKIE

PREFIX = "/portal"


def is_portal(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def error_page(
    request: Request, status: int, title: str, detail: str, field: str | None = None
) -> Response:
    if status == 401:
        # "Your session ended" only for someone who had one; a first visit just signs in.
        had_session = SESSION_COOKIE in request.cookies
        target = f"{PREFIX}/signin" + ("?expired=1" if had_session else "")
        return secure(RedirectResponse(target, status_code=303))
    return page(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=title,
        detail=detail,
        field=field,
    )
