"""Opening a notice is an access like any other: logged, whether by API or portal; own only."""

from __future__ import annotations

from uuid import uuid4

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.notices import repo
from tests.web.conftest import Person


def test_reading_a_notice_by_api_is_logged_and_another_subjects_is_not_found(
    client: TestClient, person: Person, other_person: Person, pool: ConnectionPool
) -> None:
    mine, theirs = uuid4(), uuid4()
    with transaction(pool) as conn:
        repo.insert_notice(conn, person.subject_id, mine, "dispute-results", None, {"title": "A"})
        repo.insert_notice(conn, other_person.subject_id, theirs, "dispute-results", None, {})
    assert client.get(f"/v1/me/notices/{mine}", headers=person.headers).status_code == 200
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    opened = [e["entry"] for e in log if e["event"] == "notice.opened"]
    assert [e["notice_id"] for e in opened] == [str(mine)]
    refused = client.get(f"/v1/me/notices/{theirs}", headers=person.headers)
    assert refused.status_code == 404
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    assert sum(e["event"] == "notice.opened" for e in log) == 1
