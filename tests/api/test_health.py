"""The service says it is healthy only when its database answers; OpenAPI is published."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient


def test_health_reports_database_and_live_regime(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["regime"] == "fcra-consent"


def test_openapi_lists_the_disclosure_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/me/file" in paths and "/health" in paths
    assert client.get("/docs").status_code == 200


def test_unknown_path_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_unreachable_database_url_gives_one_clear_line_not_a_traceback(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bureau.cli", "migrate"],
        env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin",
             "FAIRFILE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("bureau: cannot reach the database")
    assert "Traceback" not in result.stderr
