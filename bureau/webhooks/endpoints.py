"""Registering an organization's webhook endpoints: URL rule, event types, a secret shown once.

The secret is needed to sign every delivery, so it cannot be kept only as a hash: it is sealed
by the vault (`Vault.seal`, bound to the endpoint id) and opened only by the sender.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.auth import repo as auth_repo
from bureau.errors import InvalidInput, NotFound
from bureau.vault import Vault
from bureau.webhooks import repo
from bureau.webhooks.events import EVENT_TYPES
from bureau.webhooks.schemas import EndpointOut
from bureau.webhooks.urls import check_endpoint_url


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


SECRET_PURPOSE = "webhook-secret"


def seal_secret(vault: Vault, endpoint_id: UUID, secret: str) -> bytes:
    return vault.seal(SECRET_PURPOSE, endpoint_id.bytes, secret)


def open_secret(vault: Vault, endpoint_id: UUID, sealed: bytes) -> str:
    return vault.unseal(SECRET_PURPOSE, endpoint_id.bytes, sealed)


def seal_plaintext_secrets(conn: psycopg.Connection[Any], vault: Vault) -> int:
    """Seal every secret still stored in plaintext (registered before sealing existed)."""
    rows = repo.plaintext_secrets(conn)
    for endpoint_id, secret in rows:
        repo.store_sealed_secret(conn, endpoint_id, seal_secret(vault, endpoint_id, secret))
    return len(rows)


def register(
    conn: psycopg.Connection[Any],
    vault: Vault,
    org_id: UUID,
    url: str,
    event_types: list[str],
    sandbox: bool,
    now: datetime,
    by: str,
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
    repo.insert_endpoint(conn, endpoint_id, org_id, checked, types,
                         seal_secret(vault, endpoint_id, secret), now)  # fmt: skip
    events.publish(conn, events.WebhookRegistered(org_id=org_id, endpoint_id=endpoint_id,
                                                  url=checked, by=by))  # fmt: skip
    return {"endpoint_id": endpoint_id, "org_id": org_id, "url": checked, "event_types": types,
            "created_at": now, "failing_since": None, "disabled_at": None,
            "secret": secret}  # fmt: skip


def listing(conn: psycopg.Connection[Any], org_id: UUID) -> list[EndpointOut]:
    if auth_repo.organization(conn, org_id) is None:
        raise NotFound(f"no organization {org_id}", field="org_id")
    return repo.endpoints(conn, org_id)


def remove(
    conn: psycopg.Connection[Any], org_id: UUID, endpoint_id: UUID, now: datetime, by: str
) -> None:
    if not repo.disable_endpoint(conn, org_id, endpoint_id, now):
        raise NotFound(f"no endpoint {endpoint_id} for this organization", field="endpoint_id")
    events.publish(conn, events.WebhookRemoved(endpoint_id=endpoint_id, by=by))
