"""Safe retries: a request sent again with its Idempotency-Key gets the first answer back and
nothing is done twice; the key cannot be reused for another request; two at once never both
run; a stored answer is encrypted, kept for its window, and dies with the subject's file."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from tests.api.served import served
from tests.conftest import bearer
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import counts
from tests.consent.test_routes import PROBLEM, grant


def _pull(client: Any, org: Org, grant_id: str, key: str, purpose: str = "credit-transaction"):  # type: ignore[no-untyped-def]
    return client.post("/v1/reports", headers={**org.headers, "Idempotency-Key": key},
                       json={"grant_id": grant_id, "purpose": purpose})  # fmt: skip


def _uses(pool: ConnectionPool, grant_id: str) -> int:
    with transaction(pool) as conn:
        row = conn.execute("SELECT uses FROM consent_grants WHERE grant_id = %s",
                           (UUID(grant_id),)).fetchone()  # fmt: skip
    assert row is not None
    return int(row["uses"])


def test_a_retried_pull_returns_the_same_report_without_a_second_inquiry_use_or_log_entry(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)  # single use: a second real pull would be refused
    first = _pull(client, lumen, made["grant_id"], '"pull-1"')
    trail = counts(pool, person.subject_id)
    again = _pull(client, lumen, made["grant_id"], '"pull-1"')
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert counts(pool, person.subject_id) == trail  # no inquiry, report or access-log entry
    assert _uses(pool, made["grant_id"]) == 1


def test_the_same_key_with_another_body_is_refused_with_422(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, recurring=True)
    assert _pull(client, lumen, made["grant_id"], "k-reused").status_code == 201
    other = _pull(client, lumen, made["grant_id"], "k-reused", purpose="account-review")
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert other.json()["field"] == "idempotency-key"


def test_concurrent_requests_with_one_key_never_both_run(
    app: FastAPI, client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    racers = 4
    barrier = threading.Barrier(racers)
    answers: list[httpx.Response] = []
    with served(app) as port:

        def race() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) as own:
                barrier.wait()
                answers.append(_pull(own, lumen, made["grant_id"], "raced-key"))

        threads = [threading.Thread(target=race) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [a.status_code for a in answers] == [201] * racers  # the others waited, then replayed
    assert len({a.content for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == racers - 1
    assert _uses(pool, made["grant_id"]) == 1
    assert counts(pool, person.subject_id)[1] == 1  # one report


def test_a_retried_pulls_answer_is_its_report_copy_under_the_subjects_key(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    pulled = _pull(client, lumen, made["grant_id"], "encrypted-1")
    with transaction(pool) as conn:
        row = conn.cursor(row_factory=dict_row).execute(
            "SELECT sealed_for, key_version, body_ct, report_id, expires_at - created_at AS kept "
            "FROM idempotency_records WHERE idem_key = 'encrypted-1'").fetchone()  # fmt: skip
    # Not stored twice: the record names the report, whose copy is under the subject's key.
    assert row is not None and row["sealed_for"] == person.subject_id
    assert row["body_ct"] is None and str(row["report_id"]) == pulled.json()["report_id"]
    assert row["key_version"] == 1 and row["kept"].total_seconds() == 24 * 3600


def test_a_retry_whose_report_copy_is_gone_is_refused_not_pulled_again(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, recurring=True)
    pulled = _pull(client, lumen, made["grant_id"], "copy-gone")
    with transaction(pool) as conn:
        conn.execute("DELETE FROM report_copies WHERE report_id = %s",
                     (UUID(pulled.json()["report_id"]),))  # fmt: skip
    trail = counts(pool, person.subject_id)
    again = _pull(client, lumen, made["grant_id"], "copy-gone")
    assert again.status_code == 409
    assert again.json()["type"] == PROBLEM + "idempotent-answer-gone"
    assert counts(pool, person.subject_id) == trail


def test_a_stored_answer_about_a_subject_is_encrypted_under_their_key(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    headers = {**person.headers, "Idempotency-Key": "sealed-grant"}
    body = {"requester_org_id": str(lumen.org_id), "purpose": "credit-transaction",
            "max_uses": 1}  # fmt: skip
    made = client.post("/v1/me/consents", json=body, headers=headers).json()
    with transaction(pool) as conn:
        row = conn.cursor(row_factory=dict_row).execute(
            "SELECT sealed_for, key_version, body_ct FROM idempotency_records "
            "WHERE idem_key = 'sealed-grant'").fetchone()  # fmt: skip
    assert row is not None and row["sealed_for"] == person.subject_id and row["key_version"] == 1
    assert made["grant_id"].encode() not in bytes(row["body_ct"])


def test_a_stored_answer_is_not_replayed_once_the_file_is_closed_and_goes_when_it_is_shredded(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org, operator: Org
) -> None:
    made = grant(client, person, lumen)
    assert _pull(client, lumen, made["grant_id"], "closing-1").status_code == 201
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code in (200, 201)
    refused = _pull(client, lumen, made["grant_id"], "closing-1")
    assert refused.status_code == 403 and refused.json()["type"] == PROBLEM + "file-closed"
    shred = client.post(f"/v1/operator/subjects/{person.subject_id}/shred",
                        headers=operator.headers)  # fmt: skip
    assert shred.status_code in (200, 201), shred.text
    with transaction(pool) as conn:
        left = conn.execute("SELECT count(*) AS n FROM idempotency_records WHERE sealed_for = %s",
                            (person.subject_id,)).fetchone()  # fmt: skip
    assert left is not None and left["n"] == 0


def test_a_key_is_per_credential_and_a_created_grant_is_created_once(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org, acme: Org
) -> None:
    body = {"requester_org_id": str(lumen.org_id), "purpose": "credit-transaction",
            "max_uses": 1}  # fmt: skip
    headers = {**person.headers, "Idempotency-Key": "grant-once"}
    first = client.post("/v1/me/consents", json=body, headers=headers)
    again = client.post("/v1/me/consents", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["grant_id"] == first.json()["grant_id"]
    with transaction(pool) as conn:
        grants = conn.execute("SELECT count(*) AS n FROM consent_grants WHERE subject_id = %s",
                              (person.subject_id,)).fetchone()  # fmt: skip
    assert grants is not None and grants["n"] == 1
    # The same key from another credential is another request altogether.
    made = grant(client, person, acme, purpose="employment")
    other = _pull(client, acme, made["grant_id"], "grant-once", purpose="employment")
    assert other.status_code in (201, 403)
    assert other.status_code != 422


def test_an_expired_record_is_not_replayed_and_expired_records_are_purged_on_write(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, recurring=True)
    first = _pull(client, lumen, made["grant_id"], "expiring-1")
    with transaction(pool) as conn:
        conn.execute("UPDATE idempotency_records SET expires_at = now() - interval '1 second' "
                     "WHERE idem_key = 'expiring-1'")  # fmt: skip
    again = _pull(client, lumen, made["grant_id"], "expiring-1")
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["report_id"] != first.json()["report_id"]  # done again, window over
    with transaction(pool) as conn:
        conn.execute("UPDATE idempotency_records SET expires_at = now() - interval '1 second' "
                     "WHERE idem_key = 'expiring-1'")  # fmt: skip
    _pull(client, lumen, made["grant_id"], "expiring-2")
    with transaction(pool) as conn:
        rows = conn.execute("SELECT idem_key FROM idempotency_records "
                            "WHERE idem_key LIKE 'expiring-%%'").fetchall()  # fmt: skip
    assert [r["idem_key"] for r in rows] == ["expiring-2"]


def test_a_malformed_key_is_refused_naming_the_header(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    refused = _pull(client, lumen, made["grant_id"], '"has"quote"')
    assert refused.status_code == 422 and refused.json()["field"] == "idempotency-key"


def test_a_retried_key_issue_returns_the_same_key_once_and_stores_its_secret_sealed(
    client: TestClient, pool: ConnectionPool, operator: Org, lumen: Org
) -> None:
    headers = {**operator.headers, "Idempotency-Key": "issue-key-1"}
    path = f"/v1/operator/organizations/{lumen.org_id}/keys"
    first = client.post(path, json={"scopes": ["pull"], "label": "retried"}, headers=headers)
    again = client.post(path, json={"scopes": ["pull"], "label": "retried"}, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    with transaction(pool) as conn:
        issued = conn.execute("SELECT count(*) AS n FROM api_keys WHERE label = 'retried'"
                              ).fetchone()  # fmt: skip
        row = conn.execute("SELECT sealed_for, body_ct FROM idempotency_records "
                           "WHERE idem_key = 'issue-key-1'").fetchone()  # fmt: skip
    assert issued is not None and issued["n"] == 1
    assert row is not None and row["sealed_for"] is None
    assert first.json()["key"].encode() not in bytes(row["body_ct"])


def test_a_revoked_key_gets_no_replay_of_what_it_pulled(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org, operator: Org
) -> None:
    issued = client.post(f"/v1/operator/organizations/{lumen.org_id}/keys",
                         json={"scopes": ["pull"], "label": "soon revoked"},
                         headers=operator.headers).json()  # fmt: skip
    own = Org(lumen.org_id, issued["key"], bearer(issued["key"]))
    made = grant(client, person, lumen)
    assert _pull(client, own, made["grant_id"], "before-revoking").status_code == 201
    revoked = client.delete(f"/v1/operator/keys/{issued['key_id']}", headers=operator.headers)
    assert revoked.status_code == 204
    again = _pull(client, own, made["grant_id"], "before-revoking")
    assert again.status_code == 401 and "idempotent-replayed" not in again.headers
    assert again.json()["field"] == "authorization"


def test_a_pulls_record_is_written_with_its_paper_trail_or_not_at_all(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)  # single use
    assert _pull(client, lumen, made["grant_id"], "trail-1").status_code == 201
    refused = _pull(client, lumen, made["grant_id"], "trail-2")  # the grant's use is spent
    assert refused.status_code == 403
    with transaction(pool) as conn:
        rows = conn.cursor(row_factory=dict_row).execute(
            "SELECT i.idem_key, r.subject_id FROM idempotency_records i "
            "LEFT JOIN reports r USING (report_id) WHERE i.idem_key LIKE 'trail-%%'"
        ).fetchall()  # fmt: skip
    # The answer's record names a report that was committed with it; the refusal left none.
    assert [(r["idem_key"], r["subject_id"]) for r in rows] == [("trail-1", person.subject_id)]
