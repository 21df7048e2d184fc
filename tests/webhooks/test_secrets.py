"""A webhook's signing secret is shown once and kept only sealed by the vault."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from bureau.db.pool import transaction
from bureau.sandbox.seed import SeedResult
from bureau.vault import Vault
from bureau.webhooks import endpoints
from tests.conftest import bearer
from tests.consent.oauth.flow import new_lender
from tests.web.conftest import enrol_person
from tests.webhooks.receiver import receiving
from tests.webhooks.test_delivery import deliver_due, grant, register


def _stored(pool: ConnectionPool, endpoint_id: str) -> dict[str, Any]:
    with transaction(pool) as conn:
        row = conn.execute(
            "SELECT secret, secret_sealed FROM webhook_endpoints WHERE endpoint_id = %s",
            (UUID(endpoint_id),),
        ).fetchone()
    assert row is not None
    sealed = row["secret_sealed"]
    return {"secret": row["secret"], "secret_sealed": bytes(sealed) if sealed is not None else None}


def test_the_secret_is_stored_sealed_and_never_listed(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    lender = new_lender(client, sandbox)
    endpoint = register(client, sandbox, lender, "http://127.0.0.1:9/hooks", ["grant.created"])
    secret = endpoint["secret"]
    stored = _stored(pool, endpoint["endpoint_id"])
    assert stored["secret"] is None
    sealed = stored["secret_sealed"]
    assert sealed is not None and secret.encode() not in sealed
    assert secret.removeprefix("whsec_").encode() not in sealed
    assert endpoints.open_secret(vault, UUID(endpoint["endpoint_id"]), sealed) == secret
    listed = client.get(f"/v1/operator/organizations/{lender.org_id}/webhooks",
                        headers=bearer(sandbox.org_keys["operator"]["key"])).json()  # fmt: skip
    assert secret not in json.dumps(listed) and "secret" not in listed["endpoints"][0]


def test_a_sealed_secret_moved_to_another_endpoint_signs_nothing(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    with receiving() as receiver:
        first = register(client, sandbox, lender, receiver.url, ["grant.created"])
        second = register(client, sandbox, lender, receiver.url + "/2", ["grant.created"])
        with transaction(pool) as conn:  # an attacker with UPDATE copies one secret over another
            conn.execute(
                "UPDATE webhook_endpoints SET secret_sealed = (SELECT secret_sealed FROM "
                "webhook_endpoints WHERE endpoint_id = %s) WHERE endpoint_id = %s",
                (UUID(first["endpoint_id"]), UUID(second["endpoint_id"])),
            )
        grant(client, person, lender)
        deliver_due(pool, vault)
    assert len(receiver.received) == 1  # the first endpoint only
    shown = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()
    errors = {d["endpoint_id"]: d["attempts"][0]["error"] for d in shown["deliveries"]}
    assert errors[first["endpoint_id"]] is None
    assert errors[second["endpoint_id"]].startswith("not signed: the sealed webhook-secret")


def test_a_secret_stored_in_plaintext_before_sealing_is_sealed_on_the_first_pass(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    old_secret = endpoints.new_secret()
    with receiving() as receiver:
        endpoint = register(client, sandbox, lender, receiver.url, ["grant.created"])
        with transaction(pool) as conn:  # as migration 0180 found rows registered before it
            conn.execute(
                "UPDATE webhook_endpoints SET secret = %s, secret_sealed = NULL "
                "WHERE endpoint_id = %s",
                (old_secret, UUID(endpoint["endpoint_id"])),
            )
        grant(client, person, lender)
        deliver_due(pool, vault)
    stored = _stored(pool, endpoint["endpoint_id"])
    assert stored["secret"] is None and stored["secret_sealed"] is not None
    headers, body = receiver.received[0]
    assert Webhook(old_secret).verify(body, headers)["type"] == "grant.created"


def test_registering_and_removing_an_endpoint_are_in_the_access_log(
    client: TestClient, pool: ConnectionPool, sandbox: SeedResult
) -> None:
    lender = new_lender(client, sandbox)
    operator = sandbox.org_keys["operator"]
    endpoint = register(client, sandbox, lender, "http://127.0.0.1:9/hooks", ["grant.created"])
    removed = client.delete(
        f"/v1/operator/organizations/{lender.org_id}/webhooks/{endpoint['endpoint_id']}",
        headers=bearer(operator["key"]),
    )
    assert removed.status_code == 204
    with transaction(pool) as conn:
        rows = conn.execute(
            "SELECT event, entry FROM audit_log WHERE entry->>'endpoint_id' = %s "
            "ORDER BY created_at",
            (endpoint["endpoint_id"],),
        ).fetchall()
    assert [r["event"] for r in rows] == ["webhook.registered", "webhook.removed"]
    registered = rows[0]["entry"]
    assert registered["org_id"] == str(lender.org_id) and registered["url"].endswith("/hooks")
    assert registered["by"] == rows[1]["entry"]["by"] and registered["by"] not in ("", "cli")
    assert endpoint["secret"] not in json.dumps([r["entry"] for r in rows])
