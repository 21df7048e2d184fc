"""Webhook deliveries: signed, never lost, retried with the same id, never in a request's way."""

from __future__ import annotations

import itertools
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from bureau.app import TIMED_EMITTERS
from bureau.db.pool import transaction
from bureau.sandbox.seed import SeedResult
from bureau.vault import Vault
from bureau.webhooks import outbox, timed
from bureau.webhooks.delivery import Deliverer, WebhookWorker
from bureau.webhooks.events import WebhookEvent
from tests.conftest import bearer
from tests.consent.oauth.flow import Lender, new_lender
from tests.web.conftest import Person, enrol_person
from tests.webhooks.receiver import Receiver, receiving


def register(client: TestClient, sandbox: SeedResult, lender: Lender, url: str,
             events: list[str]) -> dict[str, Any]:  # fmt: skip
    response = client.post(
        f"/v1/operator/organizations/{lender.org_id}/webhooks",
        json={"url": url, "event_types": events},
        headers=bearer(sandbox.org_keys["operator"]["key"]),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def deliver_due(pool: ConnectionPool, vault: Vault) -> int:
    """Send every due delivery now, as `bureau webhooks deliver` does, and wait for them."""
    deliverer = Deliverer(pool, vault=vault, sandbox=True)
    try:
        return deliverer.deliver_due()
    finally:
        deliverer.close()


def grant(client: TestClient, person: Person, lender: Lender, recurring: bool = False) -> str:
    body = {"requester_org_id": str(lender.org_id), "purpose": "credit-transaction",
            "recurring": recurring, "max_uses": None if recurring else 1}  # fmt: skip
    response = client.post("/v1/me/consents", json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["grant_id"])


def revoke(client: TestClient, person: Person, grant_id: str) -> None:
    assert client.delete(f"/v1/me/consents/{grant_id}", headers=person.headers).status_code == 200


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_revocation_reaches_a_real_receiver_within_seconds_signed_to_the_standard(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    with receiving() as receiver:
        endpoint = register(client, sandbox, lender, receiver.url, ["grant.revoked"])
        grant_id = grant(client, person, lender)
        worker = WebhookWorker(
            Deliverer(pool, vault=vault, sandbox=True), TIMED_EMITTERS, interval=0.2
        )
        worker.start()
        try:
            revoke(client, person, grant_id)
            receiver.wait(1, timeout=10)
        finally:
            worker.stop()
    headers, body = receiver.received[0]
    payload = Webhook(endpoint["secret"]).verify(body, headers)
    assert payload["type"] == "grant.revoked"
    assert payload["data"]["grant_id"] == grant_id
    assert "file" not in payload["data"]


def test_an_event_committed_before_the_bureau_stops_is_delivered_after_restart(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    with receiving() as receiver:
        register(client, sandbox, lender, receiver.url, ["grant.revoked", "grant.created"])
        revoke(client, person, grant(client, person, lender))  # no worker runs: "killed"
        assert receiver.received == []
        restarted = Deliverer(pool, vault=vault, sandbox=True)
        try:
            restarted.deliver_due()
        finally:
            restarted.close()
        receiver.wait(2)
    types = sorted(json.loads(body)["type"] for _, body in receiver.received)
    assert types == ["grant.created", "grant.revoked"]


def test_a_change_that_rolls_back_sends_nothing(
    client: TestClient, pool: ConnectionPool, sandbox: SeedResult
) -> None:
    lender = new_lender(client, sandbox)
    register(client, sandbox, lender, "http://127.0.0.1:9/hooks", ["notice.created"])
    try:
        with transaction(pool) as conn:
            queued = outbox.record(
                conn, WebhookEvent("notice.created", lender.org_id), datetime.now(UTC)
            )
            assert queued == 1
            raise RuntimeError("the change fails after its event was written")
    except RuntimeError:
        pass
    listed = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()
    assert listed["deliveries"] == []


def test_a_receiver_failing_three_times_then_succeeding_gets_the_event_once_with_one_id(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    with receiving(Receiver(answers=[500, 500, 500])) as receiver:
        register(client, sandbox, lender, receiver.url, ["grant.created"])
        grant(client, person, lender)
        clock = Clock()
        deliverer = Deliverer(pool, vault=vault, sandbox=True, now=clock)
        try:
            for _ in range(4):
                deliverer.deliver_due()
                clock.now += timedelta(minutes=1)
        finally:
            deliverer.close()
    assert len(receiver.received) == 1
    assert len(receiver.attempt_ids) == 4 and len(set(receiver.attempt_ids)) == 1
    shown = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()
    (delivery,) = shown["deliveries"]
    assert delivery["message_id"] == receiver.attempt_ids[0]
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]


def test_retries_back_off_and_an_endpoint_failing_for_24_hours_is_disabled_with_a_notice(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    with receiving(Receiver(answers=[503] * 1000)) as receiver:
        register(client, sandbox, lender, receiver.url, ["grant.created"])
        grant(client, person, lender)
        clock = Clock()
        start = clock.now
        deliverer = Deliverer(pool, vault=vault, sandbox=True, now=clock)
        try:
            for _ in range(200):
                deliverer.deliver_due()
                clock.now += timedelta(minutes=10)
                if clock.now > start + timedelta(hours=27):
                    break
        finally:
            deliverer.close()
    (delivery,) = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()[
        "deliveries"
    ]
    times = [datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps == sorted(gaps), "the waits between attempts never shrink"
    assert times[-1] - times[0] >= timedelta(hours=24)
    assert delivery["status"] == "failed"
    endpoints = client.get(f"/v1/operator/organizations/{lender.org_id}/webhooks",
                           headers=bearer(sandbox.org_keys["operator"]["key"])).json()  # fmt: skip
    assert endpoints["endpoints"][0]["disabled_at"] is not None
    notices = client.get("/v1/org/notices", headers=bearer(lender.key)).json()["notices"]
    assert [n["kind"] for n in notices] == ["webhook-endpoint-disabled"]


def test_a_hanging_receiver_does_not_slow_a_pull(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    grant_id = grant(client, person, lender, recurring=True)
    body = {"grant_id": grant_id, "purpose": "credit-transaction", "scope": "full"}

    def pull_seconds() -> float:
        started = time.perf_counter()
        response = client.post("/v1/reports", json=body, headers=bearer(lender.key))
        assert response.status_code == 201, response.text
        return time.perf_counter() - started

    baseline = statistics.median(pull_seconds() for _ in range(7))
    with receiving(Receiver(hang=6.0)) as receiver:
        register(client, sandbox, lender, receiver.url, ["grant.created"])
        for _ in range(4):  # every sending slot ends up waiting on the hanging receiver
            grant(client, person, lender)
        worker = WebhookWorker(Deliverer(pool, vault=vault, sandbox=True, timeout=5.0, max_in_flight=4),
                               TIMED_EMITTERS, interval=0.1)  # fmt: skip
        worker.start()
        try:
            time.sleep(0.5)
            assert len(receiver.attempt_ids) >= 1, "the receiver is being waited on"
            during = statistics.median(pull_seconds() for _ in range(7))
        finally:
            worker.stop()
    assert during < baseline * 5, (baseline, during)


def test_a_grant_that_runs_out_is_told_once(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    register(client, sandbox, lender, "http://127.0.0.1:9/hooks", ["grant.expired"])
    grant_id = grant(client, person, lender)
    with transaction(pool) as conn:
        conn.execute("UPDATE consent_grants SET expires_at = now() + interval '1 second', "
                     "valid_from = now() - interval '1 hour' WHERE grant_id = %s",
                     (UUID(grant_id),))  # fmt: skip
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert timed.emit_due(pool, later, TIMED_EMITTERS) >= 1
    timed.emit_due(pool, later + timedelta(minutes=1), TIMED_EMITTERS)
    shown = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()
    expired = [d for d in shown["deliveries"] if d["event_type"] == "grant.expired"]
    assert [d["payload"]["data"]["grant_id"] for d in expired] == [grant_id]


def test_a_dispute_reaching_a_furnisher_and_its_deadline_are_told_to_its_endpoint(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult
) -> None:
    person = enrol_person(pool, vault, sandbox)
    northwind = sandbox.org_keys["northwind"]
    furnisher = Lender(UUID(northwind["org_id"]), northwind["key"], northwind["name"])
    register(client, sandbox, furnisher, "http://127.0.0.1:9/hooks",
             ["dispute.received", "dispute.deadline"])  # fmt: skip
    filed = client.post("/v1/me/disputes", headers=person.headers, json={
        "item": {"kind": "account", "id": str(person.card), "field": "current_balance"},
        "reason": "inaccurate-balance", "description": "I paid it off."})  # fmt: skip
    assert filed.status_code == 201, filed.text
    dispute = filed.json()
    near_due = datetime.fromisoformat(dispute["due_on"] + "T12:00:00+00:00") - timedelta(days=1)
    assert timed.emit_due(pool, near_due, TIMED_EMITTERS) >= 1
    timed.emit_due(pool, near_due, TIMED_EMITTERS)  # a second pass emits nothing new
    shown = client.get("/v1/webhooks/deliveries", params={"limit": 200},
                       headers=bearer(furnisher.key)).json()["deliveries"]  # fmt: skip
    mine = [d["event_type"] for d in shown
            if d["payload"]["data"].get("dispute_id") == dispute["dispute_id"]]  # fmt: skip
    assert sorted(mine) == ["dispute.deadline", "dispute.received"]
