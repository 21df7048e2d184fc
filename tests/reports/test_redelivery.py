"""A lender whose response was lost fetches its report again: the same signed bytes, still
verifiable, each re-delivery in the subject's access log; no one else's report, ever."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.config import EdgeSettings, Settings
from bureau.db.pool import transaction
from bureau.signing import jws_verify, load_public_keys
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import counts, pull
from tests.consent.test_routes import PROBLEM, grant


def test_a_report_fetched_again_is_byte_identical_verifiable_and_logged(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    pulled = pull(client, lumen, made["grant_id"])
    assert pulled.status_code == 201
    report_id = pulled.json()["report_id"]
    inquiries, reports, entries = counts(pool, person.subject_id)
    again = client.get(f"/v1/reports/{report_id}", headers=lumen.headers)
    assert again.status_code == 200
    assert again.content == pulled.content
    assert again.headers["cache-control"] == "no-store"
    verified = jws_verify(again.json()["jws"], load_public_keys(client.get("/v1/keys").text))
    assert verified.payload == again.json()["report"]
    # Not a new release: no inquiry, no report; one access-log entry naming the recipient.
    assert counts(pool, person.subject_id) == (inquiries, reports, entries + 1)
    with transaction(pool) as conn:
        entry = conn.cursor(row_factory=dict_row).execute(
            "SELECT event, entry FROM audit_log WHERE subject_id = %s "
            "ORDER BY entry_id DESC LIMIT 1", (person.subject_id,)).fetchone()  # fmt: skip
    assert entry is not None and entry["event"] == "report.redelivered"
    assert entry["entry"]["to"] == str(lumen.org_id)
    assert entry["entry"]["report_id"] == report_id
    # ... which the subject reads in their own access log.
    log = client.get("/v1/me/access-log", headers=person.headers).json()
    assert "report.redelivered" in str(log)


def test_another_organizations_report_is_404_like_an_unknown_one(
    client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    made = grant(client, person, lumen)
    report_id = pull(client, lumen, made["grant_id"]).json()["report_id"]
    theirs = client.get(f"/v1/reports/{report_id}", headers=acme.headers)
    unknown = client.get(f"/v1/reports/{uuid4()}", headers=acme.headers)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["type"] == unknown.json()["type"] == PROBLEM + "report-not-found"
    assert client.get(f"/v1/reports/{report_id}").status_code == 401


def test_the_copy_is_encrypted_and_kept_only_for_its_window(
    settings: Settings, pool: ConnectionPool, client: TestClient, person: Person, lumen: Org
) -> None:
    short = create_app(
        replace(settings, edge=EdgeSettings(report_copy_hours=1, idempotency_hours=1)), pool=pool
    )
    with TestClient(short) as own:
        made = grant(own, person, lumen)
        pulled = pull(own, lumen, made["grant_id"])
    report_id = pulled.json()["report_id"]
    name = pulled.json()["report"]["file"]["identity"]["names"][0]
    with transaction(pool) as conn:
        row = conn.cursor(row_factory=dict_row).execute(
            "SELECT c.jws_ct, c.held_until - r.created_at AS kept FROM report_copies c "
            "JOIN reports r USING (subject_id, report_id) WHERE report_id = %s",
            (report_id,)).fetchone()  # fmt: skip
        assert row is not None and row["kept"].total_seconds() == 3600
        assert name.encode() not in bytes(row["jws_ct"])
        assert pulled.json()["jws"].split(".")[1].encode() not in bytes(row["jws_ct"])
        conn.execute("UPDATE report_copies SET held_until = now() - interval '1 second' "
                     "WHERE report_id = %s", (report_id,))  # fmt: skip
    assert client.get(f"/v1/reports/{report_id}", headers=lumen.headers).status_code == 404


def test_a_closed_files_report_is_not_sent_again_and_a_shredded_ones_copy_is_gone(
    client: TestClient, pool: ConnectionPool, person: Person, lumen: Org, operator: Org
) -> None:
    made = grant(client, person, lumen)
    report_id = pull(client, lumen, made["grant_id"]).json()["report_id"]
    client.post("/v1/me/file/closure", headers=person.headers)
    closed = client.get(f"/v1/reports/{report_id}", headers=lumen.headers)
    assert closed.status_code == 403 and closed.json()["type"] == PROBLEM + "file-closed"
    client.post(f"/v1/operator/subjects/{person.subject_id}/shred", headers=operator.headers)
    with transaction(pool) as conn:
        left = conn.execute("SELECT count(*) AS n FROM report_copies WHERE subject_id = %s",
                            (person.subject_id,)).fetchone()  # fmt: skip
    assert left is not None and left["n"] == 0
    assert client.get(f"/v1/reports/{report_id}", headers=lumen.headers).status_code == 404
