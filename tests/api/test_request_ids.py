"""Every response carries a request id, the caller's own when well-formed, and a problem
names it in `instance`, so a lender quoting it and the operator's log line meet."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer


def test_every_response_has_a_fresh_request_id_when_the_caller_sends_none(
    client: TestClient,
) -> None:
    first = client.get("/health")
    second = client.get("/v1/me/file")  # a 401 problem
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert second.headers["x-request-id"] != first.headers["x-request-id"]


def test_a_well_formed_request_id_is_kept_and_named_in_the_problem(client: TestClient) -> None:
    answer = client.get("/v1/me/file", headers={"X-Request-ID": "lender-trace.42"})
    assert answer.status_code == 401
    assert answer.headers["x-request-id"] == "lender-trace.42"
    assert answer.json()["instance"] == "urn:fairfile:request:lender-trace.42"


@pytest.mark.parametrize("sent", ["has space", "a" * 129, "line\\nbreak", "<script>"])
def test_a_malformed_request_id_is_replaced_never_echoed(client: TestClient, sent: str) -> None:
    answer = client.get("/v1/me/file", headers={"X-Request-ID": sent})
    assert answer.headers["x-request-id"] != sent
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    assert answer.json()["instance"].endswith(answer.headers["x-request-id"])


def test_the_server_log_line_names_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bureau.access"):
        answer = client.get("/v1/whoami", headers={**bearer("ffk_nope"), "X-Request-ID": "t-77"})
    lines = [r.getMessage() for r in caplog.records if r.name == "bureau.access"]
    assert answer.status_code == 401
    assert any("request_id=t-77" in line and "/v1/whoami 401" in line for line in lines), lines
