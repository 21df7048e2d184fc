"""Killed between commit and delivery, a bureau loses no event: a real process is SIGKILLed
right after committing a revocation, before any sender ran; a new process delivers the event
from the outbox exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from bureau.config import Settings
from bureau.sandbox.seed import SeedResult
from bureau.vault import Vault
from tests.conftest import bearer
from tests.consent.oauth.flow import new_lender
from tests.web.conftest import enrol_person
from tests.webhooks.receiver import receiving
from tests.webhooks.test_delivery import grant, register

REVOKE_THEN_HANG = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from uuid import UUID

    import psycopg
    from psycopg.rows import dict_row

    from bureau.signing import SigningKey, signing_key_file
    from pathlib import Path
    from consent import service

    url, key_file, subject_id, grant_id = sys.argv[1:5]
    key = SigningKey.load(signing_key_file(Path(key_file)))
    with psycopg.connect(url, row_factory=dict_row) as conn:
        with conn.transaction():
            service.revoke_grant(conn, key, UUID(subject_id), UUID(grant_id),
                                 datetime.now(UTC), by="subject")
        print("committed", flush=True)
        time.sleep(600)  # the window before a sender runs: killed here
    """
)


def _bureau_env(settings: Settings) -> dict[str, str]:
    assert settings.database_url is not None
    return {**os.environ, "DATABASE_URL": settings.database_url,
            "FAIRFILE_KEY_FILE": str(settings.key_file), "FAIRFILE_SANDBOX": "1"}  # fmt: skip


def test_a_bureau_killed_after_commit_delivers_the_event_once_after_restart(
    client: TestClient, pool: ConnectionPool, vault: Vault, sandbox: SeedResult,
    settings: Settings, tmp_path: Path,
) -> None:  # fmt: skip
    person, lender = enrol_person(pool, vault, sandbox), new_lender(client, sandbox)
    env = _bureau_env(settings)
    with receiving() as receiver:
        endpoint = register(client, sandbox, lender, receiver.url, ["grant.revoked"])
        grant_id = grant(client, person, lender)
        doomed = subprocess.Popen(
            [sys.executable, "-c", REVOKE_THEN_HANG, env["DATABASE_URL"], str(settings.key_file),
             str(person.subject_id), grant_id],
            env=env, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert doomed.stdout is not None
            assert doomed.stdout.readline().strip() == "committed"
        finally:
            doomed.send_signal(signal.SIGKILL)
            assert doomed.wait(timeout=30) == -signal.SIGKILL
        assert receiver.attempt_ids == [], "nothing was sent before the kill"

        for _ in range(2):  # the restarted sender, then once more: nothing is sent twice
            subprocess.run([sys.executable, "-m", "bureau.cli", "webhooks", "deliver"],
                           env=env, check=True, capture_output=True, timeout=120)  # fmt: skip
        mine = [(h, b) for h, b in receiver.received if grant_id.encode() in b]
    assert len(mine) == 1
    headers, body = mine[0]
    assert Webhook(endpoint["secret"]).verify(body, headers)["data"]["grant_id"] == grant_id
    shown = client.get("/v1/webhooks/deliveries", headers=bearer(lender.key)).json()
    (revoked,) = [d for d in shown["deliveries"] if d["event_type"] == "grant.revoked"]
    assert revoked["status"] == "delivered" and len(revoked["attempts"]) == 1
    assert revoked["message_id"] == headers["webhook-id"]
