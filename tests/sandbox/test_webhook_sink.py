"""Every sandbox lender has a sample webhook endpoint that receives, checks and shows its
deliveries (`bureau sandbox webhook-sink`), so prototyping needs no receiver of one's own."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.sandbox.seed import SINK_EVENTS, SeedResult, sink_url
from bureau.sandbox.webhook_sink import Sink, secrets_from, server
from bureau.vault import Vault
from bureau.webhooks import endpoints
from bureau.webhooks.delivery import signed_headers
from tests.conftest import bearer
from tests.web.browser import free_port
from tests.web.conftest import enrol_person
from tests.webhooks.test_delivery import deliver_due

LENDERS = ("lumen", "oakridge", "acme-staffing", "northwind", "harbor-auto", "summit-cu")


@pytest.fixture
def sink(sandbox: SeedResult) -> Iterator[tuple[Sink, str]]:
    box = Sink(secrets_from({"organizations": sandbox.org_keys}), out=StringIO())
    httpd = server(box, free_port())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield box, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_every_sandbox_lender_has_a_sink_endpoint_with_its_listed_secret(
    pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    for slug in LENDERS:
        org = sandbox.org_keys[slug]
        assert org["webhook_url"] == sink_url(slug) == f"http://127.0.0.1:8001/{slug}"
        with transaction(pool) as conn:
            row = conn.execute(
                "SELECT endpoint_id, event_types, secret_sealed FROM webhook_endpoints "
                "WHERE org_id = %s AND url = %s",
                (UUID(org["org_id"]), org["webhook_url"]),
            ).fetchone()
        assert row is not None, slug
        assert sorted(row["event_types"]) == sorted(SINK_EVENTS)
        opened = endpoints.open_secret(vault, row["endpoint_id"], bytes(row["secret_sealed"]))
        assert opened == org["webhook_secret"]
    assert "webhook_secret" not in sandbox.org_keys["operator"]


def test_a_revocation_reaches_the_lenders_sink_signed_and_shown(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult,
    sink: tuple[Sink, str],
) -> None:  # fmt: skip
    box, base = sink
    lumen = sandbox.org_keys["lumen"]
    with transaction(pool) as conn:  # the sink listens on a free port here, not on 8001
        conn.execute("UPDATE webhook_endpoints SET url = %s WHERE org_id = %s AND url = %s",
                     (f"{base}/lumen", UUID(lumen["org_id"]), lumen["webhook_url"]))  # fmt: skip
    person = enrol_person(pool, vault, sandbox)
    body = {"requester_org_id": lumen["org_id"], "purpose": "credit-transaction", "max_uses": 1}
    grant_id = client.post("/v1/me/consents", json=body, headers=person.headers).json()["grant_id"]
    assert client.delete(f"/v1/me/consents/{grant_id}", headers=person.headers).status_code == 200
    deliver_due(pool, vault)
    shown = httpx.get(f"{base}/lumen").json()
    mine = [d for d in shown["deliveries"]
            if d["verified"] and d["payload"]["data"].get("grant_id") == grant_id]  # fmt: skip
    assert sorted(d["payload"]["type"] for d in mine) == ["grant.created", "grant.revoked"]
    assert "grant.revoked" in box.out.getvalue()  # type: ignore[attr-defined]
    listed = client.get("/v1/webhooks/deliveries", headers=bearer(lumen["key"])).json()
    assert {d["status"] for d in listed["deliveries"]
            if d["payload"]["data"].get("grant_id") == grant_id} == {"delivered"}  # fmt: skip


def test_the_sink_refuses_a_delivery_whose_signature_does_not_hold(
    sandbox: SeedResult, sink: tuple[Sink, str]
) -> None:
    box, base = sink
    body = json.dumps({"type": "grant.revoked", "data": {}})
    headers = signed_headers("whsec_" + "A" * 43 + "=", "msg_forged", datetime.now(UTC), body)
    answer = httpx.post(f"{base}/lumen", content=body, headers=headers)
    assert answer.status_code == 400
    (kept,) = [d for d in box.shown("lumen") or [] if d["webhook_id"] == "msg_forged"]
    assert kept["verified"] is False and kept["problem"]
    assert httpx.post(f"{base}/nobody", content=body, headers=headers).status_code == 404
