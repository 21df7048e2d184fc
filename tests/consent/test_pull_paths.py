"""There is one release path (`bureau.reports.release`, psycopg's async API): the API runs it on
its event loop, the CLI and in-process callers with `asyncio.run`. Both release the same report
from the same file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.signing import SigningKey
from bureau.vault import Vault
from tests.consent.conftest import Org, Person
from tests.consent.pulls import pull_on_loop
from tests.consent.test_routes import grant

STATEMENT = "The late payment in March was the bank's error."


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs by design between two releases: its id and time."""
    return {k: v for k, v in report.items() if k not in ("report_id", "issued_at")}


def test_a_pull_through_the_api_releases_the_same_report_as_one_run_in_process(
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
    in_process = pull_on_loop(database_url, *args)
    kept = pull_on_loop(database_url, *args, keep=True)
    assert _comparable(kept.report) == _comparable(in_process.report)
    assert [s["text"] for s in kept.report["file"]["statements"]] == [STATEMENT]
    with transaction(pool) as conn:
        row = conn.execute(
            "SELECT uses, (SELECT count(*) FROM reports WHERE grant_id = %s) AS reports "
            "FROM consent_grants WHERE grant_id = %s", (grant_id, grant_id),
        ).fetchone()  # fmt: skip
    assert row == {"uses": 1, "reports": 1}


def _statements(pool: ConnectionPool, vault: Vault, person: Person) -> dict[str, Any]:
    """A current statement on the reported account (encrypted, from a dispute), the one it
    replaced (withdrawn), and a current one about an item no report carries (plain text)."""
    current, withdrawn, elsewhere = uuid4(), uuid4(), uuid4()
    dispute_id, other_item = uuid4(), uuid4()
    with transaction(pool) as conn:
        cipher = vault.cipher_for(conn, person.subject_id)
        conn.execute(
            "INSERT INTO statements (subject_id, statement_id, item_kind, item_id, dispute_id, "
            "body_ct, key_version, created_at, withdrawn_at) VALUES "
            "(%(s)s, %(w)s, 'tradeline', %(t)s, %(d)s, %(old)s, %(v)s, %(t0)s, %(t1)s), "
            "(%(s)s, %(c)s, 'tradeline', %(t)s, %(d)s, %(new)s, %(v)s, %(t1)s, NULL)",
            {"s": person.subject_id, "w": withdrawn, "c": current, "d": dispute_id,
             "t": person.northwind_tradeline, "v": cipher.key_version,
             "old": cipher.encrypt("statement", "An earlier version."),
             "new": cipher.encrypt("statement", STATEMENT),
             "t0": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
             "t1": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)},
        )  # fmt: skip
        conn.execute(
            "INSERT INTO statements (subject_id, statement_id, item_kind, item_id, body, "
            "created_at) VALUES (%s, %s, 'bankruptcy', %s, 'Not my case.', %s)",
            (person.subject_id, elsewhere, other_item,
             datetime(2026, 3, 3, 10, 15, 30, 250000, tzinfo=UTC)),
        )  # fmt: skip
    return {
        "on_account": {
            "statement_id": str(current), "item_kind": "tradeline",
            "item_id": str(person.northwind_tradeline), "dispute_id": str(dispute_id),
            "text": STATEMENT, "created_at": "2026-03-02T09:30:00+00:00",
        },
        "elsewhere": {
            "statement_id": str(elsewhere), "item_kind": "bankruptcy", "item_id": str(other_item),
            "dispute_id": None, "text": "Not my case.",
            "created_at": "2026-03-03T10:15:30.250000+00:00",
        },
    }  # fmt: skip


def test_a_report_carries_the_current_statement_on_a_carried_item_and_no_other(
    client: TestClient,
    pool: ConnectionPool,
    database_url: str,
    vault: Vault,
    person: Person,
    lumen: Org,
) -> None:
    """FCRA §611(c): the report shows the statement with its item, as it was pinned before the
    statements came from the file read: never a withdrawn one, nor one about an item the
    report leaves out. The rule is in the report's disclosure itself, so a caller of the
    release function (run in-process here, with nothing from the app) cannot leave it out."""
    expected = _statements(pool, vault, person)
    grant_id = UUID(grant(client, person, lumen)["grant_id"])
    key = SigningKey.from_seed(b"\x02" * 32)
    in_process = pull_on_loop(
        database_url, vault, key, lumen.org_id, "Lumen Lending", grant_id, "credit-transaction",
        "full", False, datetime.now(UTC),
    )  # fmt: skip
    response = client.post(
        "/v1/reports", json={"grant_id": str(grant_id), "purpose": "credit-transaction"},
        headers=lumen.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    for report in (in_process.report, response.json()["report"]):
        assert report["file"]["statements"] == [expected["on_account"]]


def test_the_subjects_disclosure_shows_every_current_statement_as_pinned(
    client: TestClient, pool: ConnectionPool, vault: Vault, person: Person
) -> None:
    """The subject sees each current statement, with the dispute it came from, in this shape
    and key order (clients may rely on either)."""
    expected = _statements(pool, vault, person)
    shown = client.get("/v1/me/file", headers=person.headers).json()["statements"]
    assert [list(s.items()) for s in shown] == [
        list(expected["on_account"].items()), list(expected["elsewhere"].items())
    ]  # fmt: skip
