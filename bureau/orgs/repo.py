"""SQL for the organization directory a subject picks from (grants, thaws)."""

from __future__ import annotations

from typing import Any

import psycopg


def requesters(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Organizations that may pull reports (role 'user'): whom a subject can grant or thaw for."""
    cur = conn.execute(
        "SELECT org_id, name FROM organizations WHERE 'user' = ANY(roles) ORDER BY name, org_id"
    )
    return [dict(r) for r in cur.fetchall()]


def names(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Every organization's name by id, to write access-log entries in words."""
    cur = conn.execute("SELECT org_id, name FROM organizations")
    return {str(r["org_id"]): r["name"] for r in cur.fetchall()}
