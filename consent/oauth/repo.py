"""SQL for OAuth clients' redirect URIs, pending grants (codes) and grant access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row

from bureau.db import id_routes
from consent.repo import GRANT_SELECT
from consent.views import GrantRow


@dataclass(frozen=True)
class ClientRow:
    """An organization as an OAuth client: its roles and its registered redirect URIs."""

    org_id: UUID
    name: str
    roles: list[str]
    redirect_uris: list[str]


@dataclass(frozen=True)
class PendingGrant:
    """An `oauth_authorizations` row: a grant the subject allowed in the portal, waiting for
    the lender to exchange its code ('pending'), exchanged, or void."""

    subject_id: UUID
    grant_id: UUID
    client_id: UUID
    redirect_uri: str
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None
    code_challenge: str
    code_expires_at: datetime
    status: str
    created_at: datetime


@dataclass(frozen=True)
class AskedGrant:
    """A pending grant as its subject's consent page lists it."""

    requester_name: str
    purpose: str
    scope: str
    status: str
    code_expires_at: datetime
    created_at: datetime


def client(conn: psycopg.Connection[Any], org_id: UUID) -> ClientRow | None:
    """A user organization with its registered redirect URIs (None: no such client)."""
    with conn.cursor(row_factory=class_row(ClientRow)) as cur:
        cur.execute(
            """
            SELECT o.org_id, o.name, o.roles,
                   COALESCE(array_agg(r.uri ORDER BY r.uri) FILTER (WHERE r.uri IS NOT NULL),
                            '{}') AS redirect_uris
            FROM organizations o LEFT JOIN org_redirect_uris r USING (org_id)
            WHERE o.org_id = %s GROUP BY o.org_id
            """,
            (org_id,),
        )
        return cur.fetchone()


def redirect_uris(conn: psycopg.Connection[Any], org_id: UUID) -> list[str]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT uri FROM org_redirect_uris WHERE org_id = %s ORDER BY uri", (org_id,))
        return [str(uri) for (uri,) in cur.fetchall()]


def add_redirect_uri(conn: psycopg.Connection[Any], org_id: UUID, uri: str) -> bool:
    cur = conn.execute(
        "INSERT INTO org_redirect_uris (org_id, uri) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (org_id, uri),
    )
    return cur.rowcount == 1


def remove_redirect_uri(conn: psycopg.Connection[Any], org_id: UUID, uri: str) -> bool:
    cur = conn.execute(
        "DELETE FROM org_redirect_uris WHERE org_id = %s AND uri = %s", (org_id, uri)
    )
    return cur.rowcount == 1


def replace_redirect_uris(conn: psycopg.Connection[Any], org_id: UUID, uris: list[str]) -> None:
    conn.execute("DELETE FROM org_redirect_uris WHERE org_id = %s", (org_id,))
    for uri in uris:
        add_redirect_uri(conn, org_id, uri)


# Pending grants -----------------------------------------------------------------------------


def insert_authorization(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO oauth_authorizations (grant_id, subject_id, client_id, redirect_uri, purpose,
            scope, valid_from, expires_at, max_uses, code_hash, code_challenge, code_expires_at,
            created_at)
        VALUES (%(grant_id)s, %(subject_id)s, %(client_id)s, %(redirect_uri)s, %(purpose)s,
            %(scope)s, %(valid_from)s, %(expires_at)s, %(max_uses)s, %(code_hash)s,
            %(code_challenge)s, %(code_expires_at)s, %(created_at)s)
        """,
        row,
    )
    id_routes.add(conn, "oauth-code", row["code_hash"], row["subject_id"])


def authorization_by_code(conn: psycopg.Connection[Any], code_hash: bytes) -> PendingGrant | None:
    """The pending grant a code names, locked (two exchanges of one code run one at a time).
    On Citus the code's route names the subject first, so the read is of one shard."""
    found = id_routes.keyed(conn, "oauth-code", code_hash, "code_hash")
    if found is None:
        return None
    where, params = found
    with conn.cursor(row_factory=class_row(PendingGrant)) as cur:
        cur.execute(
            "SELECT subject_id, grant_id, client_id, redirect_uri, purpose, scope, valid_from, "
            "expires_at, max_uses, code_challenge, code_expires_at, status, created_at "
            f"FROM oauth_authorizations WHERE {where} FOR UPDATE".encode(),
            params,
        )
        return cur.fetchone()


def settle_authorization(
    conn: psycopg.Connection[Any], subject_id: UUID, grant_id: UUID, status: str, at: datetime
) -> None:
    conn.execute(
        "UPDATE oauth_authorizations SET status = %s, settled_at = %s "
        "WHERE subject_id = %s AND grant_id = %s AND status = 'pending'",
        (status, at, subject_id, grant_id),
    )


def authorizations_for(conn: psycopg.Connection[Any], subject_id: UUID) -> list[AskedGrant]:
    """The subject's pending grants that never became grants (pending or void)."""
    with conn.cursor(row_factory=class_row(AskedGrant)) as cur:
        cur.execute(
            """
            SELECT o.name AS requester_name, a.purpose, a.scope, a.status, a.code_expires_at,
                   a.created_at
            FROM oauth_authorizations a
            JOIN organizations o ON o.org_id = a.client_id
            WHERE a.subject_id = %s AND a.status <> 'exchanged'
            ORDER BY a.created_at DESC, a.grant_id
            """,
            (subject_id,),
        )
        return cur.fetchall()


# Grant access tokens ------------------------------------------------------------------------


def insert_token(
    conn: psycopg.Connection[Any], token_hash: bytes, grant_id: UUID, org_id: UUID,
    expires_at: datetime, now: datetime,
) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO grant_tokens (token_hash, grant_id, org_id, expires_at, created_at) "
        "VALUES (%s, %s, %s, %s, %s)",
        (token_hash, grant_id, org_id, expires_at, now),
    )


GRANT_FOR_TOKEN_SQL = (
    "SELECT grant_id FROM grant_tokens WHERE token_hash = %s AND org_id = %s AND expires_at > %s"
)


async def grant_for_token_async(
    conn: psycopg.AsyncConnection[Any], token_hash: bytes, org_id: UUID, now: datetime
) -> UUID | None:
    """The grant a `grant_token` names, for the organization it was issued to (None: unknown,
    another organization's, or past the grant's end)."""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(GRANT_FOR_TOKEN_SQL, (token_hash, org_id, now))
        row = await cur.fetchone()
    return row[0] if row else None


# The lender's grants ------------------------------------------------------------------------


def org_grants(
    conn: psycopg.Connection[Any], org_id: UUID, after: tuple[str, str] | None, limit: int
) -> list[GrantRow]:
    """The grants made to `org_id`, newest first, after a (created_at, grant_id) cursor."""
    with conn.cursor(row_factory=class_row(GrantRow)) as cur:
        cur.execute(
            GRANT_SELECT
            + """
            WHERE g.requester_org_id = %s
              AND (%s::timestamptz IS NULL OR (g.created_at, g.grant_id) < (%s, %s::uuid))
            ORDER BY g.created_at DESC, g.grant_id DESC
            LIMIT %s
            """,
            (org_id, after[0] if after else None, after[0] if after else None,
             after[1] if after else None, limit),
        )  # fmt: skip
        return cur.fetchall()


def org_grant(conn: psycopg.Connection[Any], org_id: UUID, grant_id: UUID) -> GrantRow | None:
    """One grant made to `org_id` (None: unknown, or another organization's). On Citus the
    grant's route names its subject first, so the read is of one shard."""
    found = id_routes.keyed(conn, "grant", grant_id, "g.grant_id", "g.subject_id")
    if found is None:
        return None
    where, params = found[0], (org_id, *found[1])
    with conn.cursor(row_factory=class_row(GrantRow)) as cur:
        cur.execute(f"{GRANT_SELECT} WHERE g.requester_org_id = %s AND {where}".encode(), params)
        return cur.fetchone()
