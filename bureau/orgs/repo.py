"""SQL for the organization directory a subject picks from (grants, thaws), and the
operator's list of organizations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row

from bureau.orgs.schemas import OrganizationRow


@dataclass(frozen=True, slots=True)
class Requester:
    org_id: UUID
    name: str


def requesters(conn: psycopg.Connection[Any]) -> list[Requester]:
    """Organizations that may pull reports (role 'user'): whom a subject can grant or thaw for."""
    with conn.cursor(row_factory=class_row(Requester)) as cur:
        cur.execute(
            "SELECT org_id, name FROM organizations WHERE 'user' = ANY(roles) ORDER BY name, org_id"
        )
        return cur.fetchall()


def names(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Every organization's name by id, to write access-log entries in words."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT org_id, name FROM organizations")
        return {str(org_id): str(name) for org_id, name in cur.fetchall()}


def organizations_page(
    conn: psycopg.Connection[Any], after: tuple[datetime, UUID] | None, limit: int
) -> list[OrganizationRow]:
    """Every organization, newest first, from after the (created_at, org_id) key `after`
    (served by `organizations_page`)."""
    with conn.cursor(row_factory=class_row(OrganizationRow)) as cur:
        cur.execute(
            "SELECT org_id, name, roles, furnisher_code, address, phone, created_at "
            "FROM organizations WHERE (%(after_at)s::timestamptz IS NULL "
            "OR (created_at, org_id) < (%(after_at)s, %(after_id)s::uuid)) "
            "ORDER BY created_at DESC, org_id DESC LIMIT %(limit)s",
            {"limit": limit, "after_at": after[0] if after else None,
             "after_id": after[1] if after else None},
        )  # fmt: skip
        return cur.fetchall()
