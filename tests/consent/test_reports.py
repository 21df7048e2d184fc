"""Report pulls: no release without a grant that allows it, and every release leaves its trail.

These read as the consent rules: refused without a grant, for another purpose, after
revocation, after expiry, on a frozen file (except the §605A(i) exemptions and a thaw), and a
single-use grant releases exactly once even when two pulls race.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db import id_routes
from bureau.db.pool import transaction
from bureau.sandbox.seed import SeedResult
from bureau.signing import jws_verify, load_public_keys
from bureau.subjects import identities
from tests.cluster import local as local_cluster
from tests.conftest import bearer
from tests.consent.conftest import Org, Person
from tests.consent.test_routes import PROBLEM, grant


def pull(client: TestClient, org: Org, grant_id: str, purpose: str = "credit-transaction",
         **extra: Any) -> Any:  # fmt: skip
    body = {"grant_id": grant_id, "purpose": purpose, **extra}
    return client.post("/v1/reports", json=body, headers=org.headers)


def denied(response: Any, reason: str) -> bool:
    return bool(response.status_code == 403 and response.json()["type"] == PROBLEM + reason)


def counts(pool: ConnectionPool, subject_id: UUID) -> tuple[int, int, int]:
    with transaction(pool) as conn:
        row = (
            conn.cursor(row_factory=dict_row)
            .execute(
                """
            SELECT (SELECT count(*) FROM inquiries WHERE subject_id = %(s)s) AS inquiries,
                   (SELECT count(*) FROM reports WHERE subject_id = %(s)s) AS reports,
                   (SELECT count(*) FROM audit_log WHERE subject_id = %(s)s) AS entries
            """,
                {"s": subject_id},
            )
            .fetchone()
        )
    assert row is not None
    return row["inquiries"], row["reports"], row["entries"]


def test_a_pull_under_a_valid_grant_returns_a_signed_report_and_writes_its_trail(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    before = counts(pool, person.subject_id)
    response = pull(client, lumen, made["grant_id"])
    assert response.status_code == 201, response.text
    body = response.json()
    checked = jws_verify(body["jws"], load_public_keys(client.get("/v1/keys").text))
    assert checked.payload == body["report"]
    report = body["report"]
    assert report["recipient"]["name"] == "Lumen Lending" and report["grant_id"] == made["grant_id"]
    assert len(report["file"]["tradelines"]) == 1
    assert report["file"]["identity"]["national_ids"][0].startswith("*****")
    assert counts(pool, person.subject_id) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with transaction(pool) as conn:
        inquiry = conn.cursor(row_factory=dict_row).execute(
            "SELECT kind, grant_id, report_id FROM inquiries WHERE subject_id = %s "
            "AND report_id = %s", (person.subject_id, UUID(body["report_id"])),
        ).fetchone()  # fmt: skip
    assert inquiry is not None and inquiry["kind"] == "hard"


def test_a_pull_without_a_grant_is_refused(client: TestClient, lumen: Org) -> None:
    assert denied(pull(client, lumen, str(uuid4())), "no-grant")


def test_another_requesters_grant_is_no_grant(
    client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    made = grant(client, person, lumen)
    assert denied(pull(client, acme, made["grant_id"]), "no-grant")


def test_a_grant_for_another_purpose_is_refused(
    client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    made = grant(client, person, lumen, purpose="tenant-screening")
    assert denied(pull(client, lumen, made["grant_id"]), "purpose-mismatch")
    credit = grant(client, person, acme)
    assert denied(pull(client, acme, credit["grant_id"], "employment"),
                  "employment-needs-own-grant")  # fmt: skip


def test_after_revocation_the_grant_releases_nothing(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, recurring=True, max_uses=None)
    assert pull(client, lumen, made["grant_id"]).status_code == 201
    client.delete(f"/v1/me/consents/{made['grant_id']}", headers=person.headers)
    assert denied(pull(client, lumen, made["grant_id"]), "grant-revoked")


def test_after_expiry_the_grant_releases_nothing(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    grant_id = uuid4()
    now = datetime.now(UTC)
    with transaction(pool) as conn:
        conn.execute(
            """
            INSERT INTO consent_grants (subject_id, grant_id, requester_org_id, purpose, scope,
                                        valid_from, expires_at, max_uses)
            VALUES (%s, %s, %s, 'credit-transaction', 'full', %s, %s, NULL)
            """,
            (person.subject_id, grant_id, lumen.org_id, now - timedelta(days=40),
             now - timedelta(days=10)),
        )  # fmt: skip
        id_routes.add(conn, "grant", grant_id, person.subject_id)  # its route, on Citus
    assert denied(pull(client, lumen, str(grant_id)), "grant-expired")


def test_a_frozen_file_is_refused_even_under_a_grant(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    client.put("/v1/me/freeze", headers=person.headers)
    assert denied(pull(client, lumen, made["grant_id"]), "file-frozen")


def test_an_existing_creditor_may_review_the_account_of_a_frozen_file(
    client: TestClient, person: Person, northwind: Org, lumen: Org
) -> None:
    review = grant(client, person, northwind, purpose="account-review")
    stranger = grant(client, person, lumen, purpose="account-review")
    client.put("/v1/me/freeze", headers=person.headers)
    allowed = pull(client, northwind, review["grant_id"], "account-review")
    assert allowed.status_code == 201 and allowed.json()["report"]["basis"] == "freeze-exempt"
    assert denied(pull(client, lumen, stranger["grant_id"], "account-review"), "file-frozen")


def test_a_thaw_for_one_requester_releases_to_that_requester_only(
    client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    to_lumen = grant(client, person, lumen)
    to_acme = grant(client, person, acme)
    client.put("/v1/me/freeze", headers=person.headers)
    client.post("/v1/me/freeze/thaws", json={"requester_org_id": str(lumen.org_id)},
                headers=person.headers)  # fmt: skip
    released = pull(client, lumen, to_lumen["grant_id"])
    assert released.status_code == 201 and released.json()["report"]["basis"] == "thawed"
    assert denied(pull(client, acme, to_acme["grant_id"]), "file-frozen")


def test_under_a_fraud_alert_new_credit_needs_verified_identity_and_carries_the_alert(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    client.post("/v1/me/fraud-alerts", json={"kind": "initial", "contact": "call 217-555-0123"},
                headers=person.headers)  # fmt: skip
    assert denied(pull(client, lumen, made["grant_id"]), "identity-not-verified")
    released = pull(client, lumen, made["grant_id"], identity_verified=True)
    assert released.status_code == 201
    report = released.json()["report"]
    assert report["fraud_alert_active"] is True
    assert report["file"]["fraud_alerts"][0]["contact"] == "call 217-555-0123"


def test_a_report_carries_only_the_alerts_in_force_when_it_is_pulled(
    client: TestClient, person: Person, lumen: Org
) -> None:
    """The pull reads the alerts once, under the grant's lock, for the decision and the file:
    a removed alert imposes nothing and is not reported; the one in force travels with its
    contact."""
    removed = client.post("/v1/me/fraud-alerts", json={"kind": "initial", "contact": "old"},
                          headers=person.headers).json()  # fmt: skip
    client.delete(f"/v1/me/fraud-alerts/{removed['alert_id']}", headers=person.headers)
    made = grant(client, person, lumen, max_uses=2)
    quiet = pull(client, lumen, made["grant_id"]).json()["report"]
    assert quiet["fraud_alert_active"] is False and quiet["file"]["fraud_alerts"] == []
    placed = client.post("/v1/me/fraud-alerts", json={"kind": "extended", "contact": "write first",
                         "identity_theft_report": "FTC 123456"}, headers=person.headers)  # fmt: skip
    assert placed.status_code == 201, placed.text
    report = pull(client, lumen, made["grant_id"], identity_verified=True).json()["report"]
    assert [(a["kind"], a["contact"]) for a in report["file"]["fraud_alerts"]] == [
        ("extended", "write first")
    ]
    own = client.get("/v1/me/file", headers=person.headers).json()
    assert [a["alert_id"] for a in own["fraud_alerts"]] == [
        a["alert_id"] for a in report["file"]["fraud_alerts"]
    ]


def test_a_single_use_grant_releases_once(client: TestClient, person: Person, lumen: Org) -> None:
    made = grant(client, person, lumen)
    assert pull(client, lumen, made["grant_id"]).status_code == 201
    assert denied(pull(client, lumen, made["grant_id"]), "uses-exhausted")


def test_a_single_use_grant_releases_exactly_once_under_concurrent_pulls(
    app: FastAPI, client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    racers = 3
    barrier = threading.Barrier(racers)
    statuses: list[int] = []
    types: list[str] = []

    def race() -> None:
        with TestClient(app) as own:
            barrier.wait()
            response = pull(own, lumen, made["grant_id"])
        statuses.append(response.status_code)
        if response.status_code != 201:
            types.append(response.json()["type"])

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [403] * (racers - 1)
    assert types == [PROBLEM + "uses-exhausted"] * (racers - 1)
    with transaction(pool) as conn:
        row = conn.cursor(row_factory=dict_row).execute(
            "SELECT uses, (SELECT count(*) FROM reports WHERE grant_id = %s) AS reports "
            "FROM consent_grants WHERE grant_id = %s", (UUID(made["grant_id"]),) * 2,
        ).fetchone()  # fmt: skip
    assert row == {"uses": 1, "reports": 1}


def test_a_pull_that_fails_after_assembly_leaves_no_inquiry_no_log_entry_and_no_report(
    app: FastAPI, pool: ConnectionPool, person: Person, lumen: Org,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from bureau.reports import release

    with TestClient(app, raise_server_exceptions=False) as client:
        made = grant(client, person, lumen)
        before = counts(pool, person.subject_id)

        real_record = release.repo.record_release

        async def broken_after_writing(*args: object) -> int:
            await real_record(*args)  # type: ignore[arg-type]
            raise RuntimeError("disk full")

        # Fails after the file was assembled, the report signed and every row written.
        monkeypatch.setattr(release.repo, "record_release", broken_after_writing)
        response = pull(client, lumen, made["grant_id"])
        assert response.status_code == 500
        assert counts(pool, person.subject_id) == before
        monkeypatch.undo()
        assert pull(client, lumen, made["grant_id"]).status_code == 201


def test_obsolete_items_never_reach_a_user(
    client: TestClient, sandbox: SeedResult, lumen: Org
) -> None:
    for slug, section in (("bankruptcy-over-10-years", "bankruptcies"),
                          ("obsolete-collection", "collections")):  # fmt: skip
        headers = bearer(sandbox.personas[slug]["token"])
        own = client.get("/v1/me/file", headers=headers).json()
        assert own[section], f"{slug} holds the item (the subject sees everything)"
        made = client.post(
            "/v1/me/consents",
            json={"requester_org_id": str(lumen.org_id), "purpose": "credit-transaction"},
            headers=headers,
        ).json()
        report = pull(client, lumen, made["grant_id"], identity_verified=True).json()["report"]
        assert report["file"][section] == [], slug


def test_score_only_grant_releases_the_score_and_key_factors_but_no_items(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, scope="score")
    assert denied(pull(client, lumen, made["grant_id"]), "scope-insufficient")
    response = pull(client, lumen, made["grant_id"], scope="score")
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert "file" not in report
    assert report["score"]["version"] and "reasons" in report["score"]


def test_a_court_order_compels_release_logs_it_and_tells_the_subject(
    client: TestClient, pool: ConnectionPool, person: Person, operator: Org, lumen: Org
) -> None:
    client.put("/v1/me/freeze", headers=person.headers)
    body = {"subject_id": str(person.subject_id), "court_order_ref": "N.D. Ill. 26-cv-01234",
            "recipient": "Clerk of Court"}  # fmt: skip
    assert client.post("/v1/operator/compelled-reports", json=body,
                       headers=lumen.headers).status_code == 403  # fmt: skip
    released = client.post("/v1/operator/compelled-reports", json=body, headers=operator.headers)
    assert released.status_code == 201, released.text
    assert released.json()["report"]["basis"] == "court-order"
    with transaction(pool) as conn:
        notice = (
            conn.cursor(row_factory=dict_row)
            .execute("SELECT kind, body FROM notices WHERE subject_id = %s", (person.subject_id,))
            .fetchone()
        )
    assert notice is not None and notice["kind"] == "compelled-access"
    assert notice["body"]["court_order_ref"] == "N.D. Ill. 26-cv-01234"
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    assert log[0]["event"] == "report.compelled"


def test_pulls_need_the_pull_scope(client: TestClient, person: Person, sandbox: SeedResult) -> None:
    furnisher = bearer(sandbox.org_keys["cedar-mortgage"]["key"])
    response = client.post(
        "/v1/reports", json={"grant_id": str(uuid4()), "purpose": "collection"}, headers=furnisher
    )
    assert response.status_code == 403 and response.json()["type"] == PROBLEM + "forbidden"


def test_a_second_pull_waits_for_the_first_and_then_finds_the_grant_spent(
    pool: ConnectionPool, vault: Any, person: Person, lumen: Org, client: TestClient,
    database_url: str,
) -> None:  # fmt: skip
    """The grant row lock, observed directly: the second pull blocks until the first commits."""
    import asyncio

    import psycopg

    from bureau.reports import release
    from bureau.signing import SigningKey
    from consent.errors import UsesExhausted

    made = grant(client, person, lumen)
    key = SigningKey.from_seed(b"\x01" * 32)
    args = (vault, key, lumen.org_id, "Lumen Lending", UUID(made["grant_id"]),
            "credit-transaction", "full", False)  # fmt: skip
    outcome: list[object] = []

    async def second_pull() -> None:
        async with (
            await psycopg.AsyncConnection.connect(database_url) as conn,
            conn.transaction(),
        ):
            await conn.execute("SET LOCAL application_name = 'second-pull'")
            try:
                await release.pull_report(conn, *args, datetime.now(UTC))
                outcome.append("released")
            except UsesExhausted as exc:
                outcome.append(exc)

    async def first_pull() -> threading.Thread:
        async with (
            await psycopg.AsyncConnection.connect(database_url) as first,
            first.transaction(),
        ):
            await release.pull_report(first, *args, datetime.now(UTC))
            thread = threading.Thread(target=lambda: asyncio.run(second_pull()))
            thread.start()
            with psycopg.connect(database_url, autocommit=True) as watcher:
                waiting = False
                for _ in range(500):  # a state condition, not a timing: seen blocked
                    row = watcher.execute(
                        "SELECT pid, wait_event_type = 'Lock' FROM pg_stat_activity "
                        "WHERE application_name = 'second-pull'"
                    ).fetchone()
                    # on the cluster the grant's row lock is waited for on its worker
                    if row and (row[1] or local_cluster.waits_on_a_worker(watcher, row[0])):
                        waiting = True
                        break
                    threading.Event().wait(0.02)
            assert waiting, "the second pull should block on the grant's row lock"
        return thread

    thread = asyncio.run(first_pull())
    thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], UsesExhausted)


def test_a_report_carries_the_subjects_statement_about_an_item_it_shows(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    """FCRA §611(c): the consumer's statement travels with the disputed item."""
    with transaction(pool) as conn:
        conn.execute(
            "INSERT INTO statements (subject_id, statement_id, item_kind, item_id, body) "
            "VALUES (%s, %s, 'tradeline', %s, 'The late payment in March was the bank''s error.')",
            (person.subject_id, uuid4(), person.northwind_tradeline),
        )
    made = grant(client, person, lumen)
    report = pull(client, lumen, made["grant_id"]).json()["report"]
    (statement,) = report["file"]["statements"]
    assert statement["item_id"] == str(person.northwind_tradeline)
    assert statement["text"].startswith("The late payment in March")
    own = client.get("/v1/me/file", headers=person.headers).json()
    assert [s["text"] for s in own["statements"]] == [statement["text"]]


def test_an_identity_fact_no_longer_current_reaches_the_subject_but_never_a_user(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    with transaction(pool) as conn:
        for fact in identities.facts(conn, person.subject_id):
            if fact["kind"] == "address":
                identities.set_current(conn, person.subject_id, fact["id"], False)
    own = client.get("/v1/me/file", headers=person.headers).json()["identity"]
    assert own["addresses"] == []
    assert own["superseded"] == [{"kind": "address", "value": "1 Test St, Springfield IL 62701"}]
    made = grant(client, person, lumen)
    report = pull(client, lumen, made["grant_id"]).json()["report"]
    assert report["file"]["identity"]["addresses"] == []
    assert "superseded" not in report["file"]["identity"]
