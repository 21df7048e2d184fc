"""A delivery connects to the address that was checked: no second DNS lookup to rebind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpcore
import pytest
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from bureau.vault import Vault
from bureau.webhooks import endpoints
from bureau.webhooks.delivery import Deliverer
from bureau.webhooks.pinned import PinnedBackend
from bureau.webhooks.repo import DueDelivery
from tests.webhooks.receiver import receiving


def _due(
    url: str, endpoint_id: UUID, sealed: bytes, message_id: str, payload: dict[str, Any]
) -> DueDelivery:
    """A delivery as the outbox leases it, first attempt, to `url`."""
    return DueDelivery(message_id, endpoint_id, uuid4(), "grant.revoked", payload,
                       datetime.now(UTC), 1, url, sealed)  # fmt: skip


def test_the_connection_goes_to_the_checked_address_not_to_a_fresh_lookup(
    pool: ConnectionPool, vault: Vault
) -> None:
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        # The check sees loopback (allowed in the sandbox); any later lookup would see the
        # cloud metadata address. `.invalid` never resolves in real DNS (RFC 6761), so a
        # delivery that arrives was connected to the checked address and nowhere else.
        answers.append(host)
        return ["127.0.0.1"] if len(answers) == 1 else ["169.254.169.254"]

    endpoint_id, secret = uuid4(), endpoints.new_secret()
    deliverer = Deliverer(pool, vault=vault, sandbox=True, resolver=rebinding)
    with receiving() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        row = _due(f"http://rebind.invalid:{port}/hooks", endpoint_id,
                   endpoints.seal_secret(vault, endpoint_id, secret),
                   "msg_pinned", {"type": "grant.revoked", "data": {}})  # fmt: skip
        try:
            outcome = deliverer.send(row, datetime.now(UTC))
        finally:
            deliverer.close()
    assert outcome.delivered, outcome
    assert answers == ["rebind.invalid"], "resolved once, for the check"
    headers, body = receiver.received[0]
    assert headers["host"] == f"rebind.invalid:{port}"  # the URL's host, at the checked address
    assert Webhook(secret).verify(body, headers)["type"] == "grant.revoked"


def test_a_rebound_address_is_refused_at_the_next_delivery(
    pool: ConnectionPool, vault: Vault
) -> None:
    endpoint_id = uuid4()
    deliverer = Deliverer(pool, vault=vault, sandbox=True, resolver=lambda h, p: ["10.0.0.1"])
    row = _due("http://rebind.invalid:9/hooks", endpoint_id,
               endpoints.seal_secret(vault, endpoint_id, endpoints.new_secret()),
               "msg_refused", {})  # fmt: skip
    try:
        outcome = deliverer.send(row, datetime.now(UTC))
    finally:
        deliverer.close()
    assert outcome.status_code is None
    assert outcome.error == "refused: rebind.invalid resolves to 10.0.0.1, a private address"


def test_the_pinned_backend_connects_for_its_own_host_only() -> None:
    backend = PinnedBackend("hooks.example", ["127.0.0.1"])
    with pytest.raises(httpcore.ConnectError, match="not the host whose addresses were checked"):
        backend.connect_tcp("elsewhere.example", 443)
