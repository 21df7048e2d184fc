"""A pull reads its grant's facts and its file in one round trip, before deciding: what it reads
by the grant is exactly the subject's file, and a refused pull unwraps no key and decrypts
nothing of what it read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.batch import run_async
from bureau.db.pool import transaction
from bureau.file.assemble import inquiries_since, unverified_due_by
from bureau.file.repo import FileRows, Known, Unopened, file_rows, release_rows
from bureau.reports import repo
from bureau.signing import SigningKey
from bureau.vault import SubjectCipher, Vault
from consent.errors import FileFrozen, NoGrant
from tests.consent.conftest import Org, Person
from tests.consent.pulls import pull_on_loop
from tests.consent.test_routes import grant


class WatchedVault:
    """The test's vault, noting each subject whose data keys are unwrapped (the only way to a
    subject's plaintext)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self.opened: list[UUID] = []

    def cipher_from(
        self, subject_id: UUID, data_keys: Sequence[tuple[int, str, bytes]]
    ) -> SubjectCipher:
        self.opened.append(subject_id)
        return self._vault.cipher_from(subject_id, data_keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._vault, name)


def _pull(database_url: str, vault: WatchedVault, org: Org, grant_id: UUID) -> None:
    key = SigningKey.from_seed(b"\x04" * 32)
    pull_on_loop(database_url, cast(Vault, vault), key, org.org_id, "Org", grant_id,
                 "credit-transaction", "full", False, datetime.now(UTC))  # fmt: skip


def test_a_refused_pull_unwraps_no_key_of_the_file_it_read(
    client: TestClient, database_url: str, vault: Vault, person: Person, lumen: Org, acme: Org
) -> None:
    made = UUID(grant(client, person, lumen)["grant_id"])
    watched = WatchedVault(vault)
    with pytest.raises(NoGrant):  # someone else's grant
        _pull(database_url, watched, acme, made)
    assert client.put("/v1/me/freeze", headers=person.headers).status_code == 200
    with pytest.raises(FileFrozen):
        _pull(database_url, watched, lumen, made)
    assert watched.opened == []
    assert client.delete("/v1/me/freeze", headers=person.headers).status_code == 200
    _pull(database_url, watched, lumen, made)  # allowed: now the file is opened
    assert person.subject_id in watched.opened


def _read_both(database_url: str, grant_id: UUID, subject_id: UUID) -> tuple[FileRows, FileRows]:
    """(the rows a release reads by the grant beside its facts, the file's own nine reads by
    the subject), in one transaction."""
    at = datetime.now(UTC)
    since, due_by = inquiries_since(at), unverified_due_by(at)

    async def go() -> tuple[FileRows, FileRows]:
        async with (
            await psycopg.AsyncConnection.connect(database_url) as conn,
            conn.transaction(force_rollback=True),
        ):
            facts, unopened = await repo.release_facts(
                conn, grant_id, lambda who: release_rows(who, at, since, due_by)
            )
            assert facts[0] is not None
            own = await run_async(conn, file_rows(subject_id, at, since, due_by))
            return unopened(facts[4]), own

    return asyncio.run(go())


def test_what_a_release_reads_by_its_grant_is_the_subjects_file(
    client: TestClient,
    pool: ConnectionPool,
    database_url: str,
    vault: Vault,
    person: Person,
    lumen: Org,
) -> None:
    """Every part of the file (an alert in force beside a removed one, a statement, an
    inquiry), read by the grant's subject beside the grant's facts, is what the file's own
    reads find by the subject."""
    made = UUID(grant(client, person, lumen, max_uses=3)["grant_id"])
    removed = client.post("/v1/me/fraud-alerts", json={"kind": "initial", "contact": "old"},
                          headers=person.headers).json()  # fmt: skip
    client.delete(f"/v1/me/fraud-alerts/{removed['alert_id']}", headers=person.headers)
    placed = client.post("/v1/me/fraud-alerts", json={"kind": "initial", "contact": "call me"},
                         headers=person.headers)  # fmt: skip
    assert placed.status_code == 201, placed.text
    pulled = client.post(
        "/v1/reports",
        headers=lumen.headers,
        json={"grant_id": str(made), "purpose": "credit-transaction", "identity_verified": True},
    )
    assert pulled.status_code == 201, pulled.text  # an inquiry on the file
    with transaction(pool) as conn:
        cipher = vault.cipher_for(conn, person.subject_id)
        conn.execute(
            "INSERT INTO statements (subject_id, statement_id, item_kind, item_id, body_ct, "
            "key_version) VALUES (%s, %s, 'tradeline', %s, %s, %s)",
            (person.subject_id, uuid4(), person.northwind_tradeline,
             cipher.encrypt("statement", "Paid in full."), cipher.key_version),
        )  # fmt: skip
    by_grant, by_subject = _read_both(database_url, made, person.subject_id)
    assert by_grant == by_subject
    assert by_grant.tradelines and by_grant.inquiries and by_grant.statements
    assert [a.alert_id for a in by_grant.fraud_alerts] == [UUID(placed.json()["alert_id"])]
    assert by_grant.data_keys and by_grant.exists and not by_grant.frozen


def test_an_unknown_grant_reads_no_ones_file(database_url: str) -> None:
    at = datetime.now(UTC)

    async def go() -> tuple[repo.ReleaseFacts, Unopened]:
        async with (
            await psycopg.AsyncConnection.connect(database_url) as conn,
            conn.transaction(force_rollback=True),
        ):
            return await repo.release_facts(
                conn, uuid4(), lambda who: release_rows(who, at, at, at.date())
            )

    (found, *_), unopened = asyncio.run(go())
    assert found is None
    rows = unopened(Known([], False, []))
    assert (rows.identities, rows.tradelines, rows.statements) == ([], [], [])
