"""Database failures the client can act on get their own problem types."""

from __future__ import annotations

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bureau.api import problems


def _failing_with(error: Exception) -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.post("/work")
    def work() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_a_deadlock_is_answered_as_a_conflict_to_send_again_not_an_outage() -> None:
    response = _failing_with(psycopg.errors.DeadlockDetected("deadlock detected")).post("/work")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/transaction-conflict")
    assert "send this request again" in body["detail"]


def test_a_serialization_failure_is_a_conflict_too() -> None:
    failure = psycopg.errors.SerializationFailure("could not serialize access")
    assert _failing_with(failure).post("/work").status_code == 409


def test_a_lost_connection_is_still_an_outage() -> None:
    response = _failing_with(psycopg.OperationalError("server closed the connection")).post("/work")
    assert response.status_code == 503
    assert response.json()["type"].endswith("/database-unavailable")
