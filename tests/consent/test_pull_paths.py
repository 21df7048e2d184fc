"""The API pulls reports on the event loop (psycopg's async API); the sync path stays for the
CLI and in-process callers. Both must release the same report from the same file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.signing import SigningKey
from bureau.vault import Vault
from consent import release
from disputes.disclosure import report_statements, report_statements_async
from tests.consent.conftest import Org, Person
from tests.consent.test_routes import grant

STATEMENT = "The late payment in March was the bank's error."


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs by design between two releases: its id and time."""
    return {k: v for k, v in report.items() if k not in ("report_id", "issued_at")}


def test_a_pull_on_the_event_loop_releases_the_same_report_as_one_on_a_thread(
    client: TestClient,
    pool: ConnectionPool,
    database_url: str,
    vault: Vault,
    person: Person,
    lumen: Org,
) -> None:
    with transaction(pool) as conn:
        cipher = vault.cipher_for(conn, person.subject_id)
        conn.execute(
            "INSERT INTO statements (subject_id, statement_id, item_kind, item_id, body_ct, "
            "key_version) VALUES (%s, %s, 'tradeline', %s, %s, %s)",
            (person.subject_id, uuid4(), person.northwind_tradeline,
             cipher.encrypt("statement", STATEMENT), cipher.key_version),
        )  # fmt: skip
    grant_id = UUID(grant(client, person, lumen)["grant_id"])
    key = SigningKey.from_seed(b"\x02" * 32)
    at = datetime.now(UTC)
    args = (vault, key, lumen.org_id, "Lumen Lending", grant_id, "credit-transaction", "full",
            False, at)  # fmt: skip

    # The first pull is rolled back, so the second reads the same file (a kept pull would add
    # its hard inquiry, and with it move the score).
    with pool.connection() as conn, conn.transaction(force_rollback=True):
        on_thread = release.pull_report(conn, *args, [report_statements])

    async def on_loop() -> release.Released:
        async with (
            await psycopg.AsyncConnection.connect(database_url, row_factory=dict_row) as aconn,
            aconn.transaction(),
        ):
            return await release.pull_report_async(aconn, *args, [report_statements_async])

    on_event_loop = asyncio.run(on_loop())
    assert _comparable(on_event_loop.report) == _comparable(on_thread.report)
    assert [s["text"] for s in on_event_loop.report["file"]["statements"]] == [STATEMENT]
    with transaction(pool) as conn:
        row = conn.execute(
            "SELECT uses, (SELECT count(*) FROM reports WHERE grant_id = %s) AS reports "
            "FROM consent_grants WHERE grant_id = %s", (grant_id, grant_id),
        ).fetchone()  # fmt: skip
    assert row == {"uses": 1, "reports": 1}
