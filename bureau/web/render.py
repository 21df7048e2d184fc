"""Rendering portal pages: one Jinja2 environment, autoescaped, and the headers every page sends.

Pages hold personal data, so they are never cached and never framed; the content security
policy allows only this origin's stylesheet, so the portal works offline and no third party
sees who is looking at what.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from bureau.policy.regime import live_rules, period_in_words
from bureau.web import wording

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["money"] = wording.money
TEMPLATES.env.filters["long_date"] = wording.long_date
TEMPLATES.env.filters["when"] = wording.when
TEMPLATES.env.globals["letter_value"] = wording.letter_value
# Periods shown to people come from the live regime (`law` in every page), never from a number
# written in a template.
TEMPLATES.env.filters["period"] = period_in_words
TEMPLATES.env.filters["purpose"] = wording.purpose_words

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


# The portal's sections: (path, label, key). A section appears once its pages exist.
NAV: list[tuple[str, str, str]] = [
    ("/portal/file", "My file", "file"),
    ("/portal/score", "My score", "score"),
    ("/portal/access-log", "Who looked", "access-log"),
    ("/portal/consents", "Consents", "consents"),
    ("/portal/freeze", "Freeze and alerts", "freeze"),
    ("/portal/disputes", "Disputes", "disputes"),
    ("/portal/notices", "Notices", "notices"),
]


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"request": request, "nav_links": NAV, "visitor": None, "law": live_rules(), **context},
        status_code=status_code,
    )
    secure(response)
    return response
