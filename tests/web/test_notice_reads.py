"""Opening a notice is an access like any other: logged, whether by API or portal; own only."""

from __future__ import annotations

from uuid import uuid4

from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau import events
from bureau.db.pool import transaction
from tests.web.conftest import Person


def test_reading_a_notice_by_api_is_logged_and_another_subjects_is_not_found(
    client: TestClient, person: Person, other_person: Person, pool: ConnectionPool
) -> None:
    mine, theirs = uuid4(), uuid4()
    with transaction(pool) as conn:
        for subject_id, notice_id, body in ((person.subject_id, mine, {"title": "A"}),
                                            (other_person.subject_id, theirs, {})):  # fmt: skip
            events.publish(conn, events.NoticeWritten(
                subject_id=subject_id, notice_id=notice_id, kind="dispute-results", body=body))  # fmt: skip
    assert client.get(f"/v1/me/notices/{mine}", headers=person.headers).status_code == 200
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    opened = [e["entry"] for e in log if e["event"] == "notice.opened"]
    assert [e["notice_id"] for e in opened] == [str(mine)]
    refused = client.get(f"/v1/me/notices/{theirs}", headers=person.headers)
    assert refused.status_code == 404
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    assert sum(e["event"] == "notice.opened" for e in log) == 1
