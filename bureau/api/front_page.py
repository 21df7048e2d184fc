"""The bureau's front page, `/`: where each kind of caller starts.

Why: `bureau serve` prints its address, and a person who opens it in a browser got a 404
problem document, with no hint that the API's documentation is at `/docs` and the subject's
portal at `/portal/`. The page names only public entry points and carries no personal data.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

import bureau

router = APIRouter(include_in_schema=False)

ENTRY_POINTS: tuple[tuple[str, str, str], ...] = (
    ("/portal/", "Your credit file", "sign in as the subject: see, dispute, freeze, consent"),
    ("/docs", "API reference", "Swagger UI over the OpenAPI spec, for lenders and furnishers"),
    ("/redoc", "API reference (ReDoc)", "the same spec, one long page"),
    ("/openapi.json", "OpenAPI spec", "to generate a client"),
    ("/.well-known/oauth-authorization-server", "OAuth 2.0 metadata",
     "RFC 8414: how a lender asks a subject for consent"),
    ("/v1/keys", "Report signing keys", "JWKS: verify a signed report"),
    ("/health", "Health", "is the database answering, which regime is live"),
)  # fmt: skip


@router.get("/")
async def front_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    items = "\n".join(
        f'<li><a href="{root}{path}">{title}</a> — {what}</li>'
        for path, title, what in ENTRY_POINTS
    )
    return HTMLResponse(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>fairfile {bureau.__version__}</title>"
        f'<link rel="stylesheet" href="{root}/portal/static/portal.css"></head>'
        "<body><main><h1>fairfile</h1>"
        "<p>A consent-based, financial-only consumer credit bureau. No one reads a file without "
        "its subject's grant; the subject sees everything held and everyone who looked.</p>"
        f"<ul>\n{items}\n</ul></main></body></html>"
    )
