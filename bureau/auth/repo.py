"""SQL for organizations, their API keys, and subject credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row

from bureau.db import id_routes
from bureau.db.batch import Batch, Read


@dataclass(frozen=True, slots=True)
class Organization:
    org_id: UUID
    name: str
    roles: list[str]
    furnisher_code: str | None
    address: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class SubjectCredential:
    """A subject's token as stored (its secret hashed), with the status of their file."""

    subject_id: UUID
    credential_id: str
    secret_hash: bytes
    revoked_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class OrganizationKey:
    """An organization with one of its API keys (all None for an organization without keys)."""

    org_id: UUID
    name: str
    roles: list[str]
    key_id: str | None
    scopes: list[str] | None
    revoked_at: datetime | None


def insert_organization(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    name: str,
    roles: list[str],
    furnisher_code: str | None = None,
    address: str | None = None,
    phone: str | None = None,
) -> None:
    conn.execute(
        """
        INSERT INTO organizations (org_id, name, roles, furnisher_code, address, phone)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (org_id) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles,
            furnisher_code = EXCLUDED.furnisher_code, address = EXCLUDED.address,
            phone = EXCLUDED.phone
        """,
        (org_id, name, roles, furnisher_code, address, phone),
    )


def organization(conn: psycopg.Connection[Any], org_id: UUID) -> Organization | None:
    with conn.cursor(row_factory=class_row(Organization)) as cur:
        cur.execute(
            "SELECT org_id, name, roles, furnisher_code, address, phone FROM organizations "
            "WHERE org_id = %s",
            (org_id,),
        )
        return cur.fetchone()


def insert_api_key(
    conn: psycopg.Connection[Any],
    key_id: str,
    org_id: UUID,
    secret_hash: bytes,
    scopes: list[str],
    label: str,
) -> None:
    conn.execute(
        """
        INSERT INTO api_keys (key_id, org_id, secret_hash, scopes, label)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (key_id) DO NOTHING
        """,
        (key_id, org_id, secret_hash, scopes, label),
    )


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    """An API key (its secret hashed) with its organization's name and roles."""

    key_id: str
    org_id: UUID
    secret_hash: bytes
    scopes: list[str]
    revoked_at: datetime | None
    name: str
    roles: list[str]


API_KEY_SQL = """
    SELECT k.key_id, k.org_id, k.secret_hash, k.scopes, k.revoked_at, o.name, o.roles
    FROM api_keys k JOIN organizations o USING (org_id)
    WHERE k.key_id = %s
"""
"""An API key with its organization; served by the api_keys primary key."""


def api_key(key_id: str) -> Batch[ApiKeyRow | None]:
    """The key with its organization; served by the api_keys primary key."""
    return Batch([Read(API_KEY_SQL, (key_id,), row=class_row(ApiKeyRow))],
                 lambda rows: rows[0][0] if rows[0] else None)  # fmt: skip


def active_operator_keys(conn: psycopg.Connection[Any]) -> list[str]:
    """The ids of every unrevoked key with the operator scope, locked until the transaction
    ends: two operators revoking each other's last keys at once cannot both succeed."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT key_id FROM api_keys WHERE revoked_at IS NULL AND 'operator' = ANY(scopes) "
            "ORDER BY key_id FOR UPDATE"
        )
        return [str(key_id) for (key_id,) in cur.fetchall()]


def revoke_api_key(conn: psycopg.Connection[Any], key_id: str) -> bool:
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE key_id = %s AND revoked_at IS NULL",
        (key_id,),
    )
    return cur.rowcount == 1


def insert_subject_credential(
    conn: psycopg.Connection[Any], subject_id: UUID, credential_id: str, secret_hash: bytes
) -> None:
    """A new credential; one whose id is already held (by any subject) is left as it is. On
    Citus the id's route decides that (bureau/db/id_routes.py), the credential's own key
    keeps a second row of the same subject out."""
    if not id_routes.distributed(conn):
        conn.execute(_CREDENTIAL_SQL.format(held="credential_id").encode(),
                     (subject_id, credential_id, secret_hash))  # fmt: skip
    elif id_routes.claim(conn, "credential", credential_id, subject_id):
        conn.execute(_CREDENTIAL_SQL.format(held="subject_id, credential_id").encode(),
                     (subject_id, credential_id, secret_hash))  # fmt: skip


_CREDENTIAL_SQL = """
    INSERT INTO subject_credentials (subject_id, credential_id, secret_hash)
    VALUES (%s, %s, %s)
    ON CONFLICT ({held}) DO NOTHING
"""


def subject_credential(
    conn: psycopg.Connection[Any], credential_id: str
) -> SubjectCredential | None:
    """A subject's credential by its id (the token's), with the file's status; on Citus read
    on the subject's shard, which the credential's route names."""
    found = id_routes.keyed(conn, "credential", credential_id, "c.credential_id", "c.subject_id")
    if found is None:
        return None
    where, params = found
    with conn.cursor(row_factory=class_row(SubjectCredential)) as cur:
        cur.execute(
            f"""
            SELECT c.subject_id, c.credential_id, c.secret_hash, c.revoked_at, s.status
            FROM subject_credentials c JOIN subjects s USING (subject_id)
            WHERE {where}
            """.encode(),
            params,
        )
        return cur.fetchone()


def organizations_with_keys(conn: psycopg.Connection[Any]) -> list[OrganizationKey]:
    with conn.cursor(row_factory=class_row(OrganizationKey)) as cur:
        cur.execute(
            """
            SELECT o.org_id, o.name, o.roles, k.key_id, k.scopes, k.revoked_at
            FROM organizations o LEFT JOIN api_keys k USING (org_id)
            ORDER BY o.name, k.created_at
            """
        )
        return cur.fetchall()
