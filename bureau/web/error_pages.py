"""Error pages for the portal: a readable page (or the sign-in page), never a stack trace.

The app's one error mapping (`bureau.api.problems`) is handed `portal_error_page` by
`bureau.app`, so the rule-to-status table stays in one place, only the presentation differs for
paths under /portal, and the API never imports the portal.
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


def portal_error_page(
    request: Request, status: int, title: str, detail: str, field: str | None = None
) -> Response | None:
    """The page for an error on a portal path; None for any other path (the API answers)."""
    if not is_portal(request):
        return None
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
