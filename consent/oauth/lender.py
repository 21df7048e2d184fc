"""The lender's view of the grants made to it, and operators' redirect-URI registration.

Pending grants (allowed in the portal, code not yet exchanged) live in another table, so no
query here can show one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau import events
from bureau.errors import InvalidInput, NotFound
from bureau.pagination import Page, check_limit, decode_cursor, page_of
from consent.oauth import redirects, repo
from consent.views import GrantRow


def lender_view(row: GrantRow, now: datetime) -> dict[str, Any]:
    keys = ("grant_id", "subject_id", "purpose", "scope", "valid_from", "expires_at",
            "max_uses", "uses", "revoked_at", "receipt")  # fmt: skip
    return {k: getattr(row, k) for k in keys} | {"status": row.status_at(now)}


def grants_page(
    conn: psycopg.Connection[Any], org_id: UUID, cursor: str | None, limit: int, now: datetime
) -> Page[dict[str, Any]]:
    check_limit(limit)
    after = None
    if cursor:
        at, grant_id = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(str(at)).isoformat(), str(UUID(str(grant_id))))
        except ValueError:
            raise InvalidInput("not a cursor this API returned", field="cursor") from None
    rows = repo.org_grants(conn, org_id, after, limit + 1)
    page = page_of(rows, limit, lambda r: (r.created_at.isoformat(), str(r.grant_id)))
    return Page([lender_view(r, now) for r in page.items], page.next_cursor)


def one_grant(
    conn: psycopg.Connection[Any], org_id: UUID, grant_id: UUID, now: datetime
) -> dict[str, Any]:
    row = repo.org_grant(conn, org_id, grant_id)
    if row is None:
        # Another organization's grant is "not found", so its existence is not revealed.
        raise NotFound(f"no grant {grant_id} to this organization", field="grant_id")
    return lender_view(row, now)


def redirect_uris(conn: psycopg.Connection[Any], org_id: UUID) -> list[str]:
    _user_org(conn, org_id)
    return repo.redirect_uris(conn, org_id)


def set_redirect_uris(
    conn: psycopg.Connection[Any], org_id: UUID, uris: list[str], by: str
) -> list[str]:
    """Replace an organization's redirect URIs (each checked; duplicates kept once)."""
    _user_org(conn, org_id)
    checked = sorted({redirects.check_registrable(u) for u in uris})
    repo.replace_redirect_uris(conn, org_id, checked)
    return _changed(conn, org_id, by)


def add_redirect_uri(conn: psycopg.Connection[Any], org_id: UUID, uri: str, by: str) -> list[str]:
    _user_org(conn, org_id)
    repo.add_redirect_uri(conn, org_id, redirects.check_registrable(uri, field="uri"))
    return _changed(conn, org_id, by)


def remove_redirect_uri(
    conn: psycopg.Connection[Any], org_id: UUID, uri: str, by: str
) -> list[str]:
    _user_org(conn, org_id)
    if not repo.remove_redirect_uri(conn, org_id, uri):
        raise NotFound(f"{uri!r} is not registered for this organization", field="uri")
    return _changed(conn, org_id, by)


def _changed(conn: psycopg.Connection[Any], org_id: UUID, by: str) -> list[str]:
    """The URIs now registered, their change published (the access log records who made it,
    from the API or the CLI alike)."""
    uris = repo.redirect_uris(conn, org_id)
    events.publish(conn, events.RedirectUrisSet(org_id=org_id, redirect_uris=uris, by=by))
    return uris


def _user_org(conn: psycopg.Connection[Any], org_id: UUID) -> None:
    row = repo.client(conn, org_id)
    if row is None:
        raise NotFound(f"no organization {org_id}", field="org_id")
    if "user" not in row.roles:
        raise InvalidInput(
            "only an organization with the user role can ask for consent", field="org_id"
        )
