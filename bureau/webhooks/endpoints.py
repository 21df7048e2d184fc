"""Registering an organization's webhook endpoints: URL rule, event types, a secret shown once."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau.auth import repo as auth_repo
from bureau.errors import InvalidInput, NotFound
from bureau.webhooks import repo
from bureau.webhooks.events import EVENT_TYPES
from bureau.webhooks.urls import check_endpoint_url


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def register(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    url: str,
    event_types: list[str],
    sandbox: bool,
    now: datetime,
) -> dict[str, Any]:
    """A new endpoint; the returned view carries the signing secret, the only time it is shown."""
    if auth_repo.organization(conn, org_id) is None:
        raise NotFound(f"no organization {org_id}", field="org_id")
    checked = check_endpoint_url(url, sandbox)
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown or not event_types:
        raise InvalidInput(
            f"event_types must be some of {', '.join(EVENT_TYPES)}; unknown: {unknown}",
            field="event_types",
        )
    endpoint_id = uuid4()
    secret = new_secret()
    types = sorted(set(event_types))
    repo.insert_endpoint(conn, endpoint_id, org_id, checked, types, secret, now)
    return {"endpoint_id": endpoint_id, "org_id": org_id, "url": checked, "event_types": types,
            "created_at": now, "failing_since": None, "disabled_at": None,
            "secret": secret}  # fmt: skip


def listing(conn: psycopg.Connection[Any], org_id: UUID) -> list[dict[str, Any]]:
    if auth_repo.organization(conn, org_id) is None:
        raise NotFound(f"no organization {org_id}", field="org_id")
    return repo.endpoints(conn, org_id)


def remove(conn: psycopg.Connection[Any], org_id: UUID, endpoint_id: UUID, now: datetime) -> None:
    if not repo.disable_endpoint(conn, org_id, endpoint_id, now):
        raise NotFound(f"no endpoint {endpoint_id} for this organization", field="endpoint_id")
