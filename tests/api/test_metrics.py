"""`/metrics` shows the operator requests by route template and status, latency, the pool,
the webhook backlog and the sequencer's lag, in Prometheus' format; nobody else sees it."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.config import EdgeSettings, Settings
from tests.consent.conftest import Org, Person


def _families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {f.name: [(s.labels, s.value) for s in f.samples]
            for f in text_string_to_metric_families(text)}  # fmt: skip


def test_the_operator_sees_requests_by_route_template_and_the_bureaus_backlogs(
    client: TestClient, operator: Org, person: Person
) -> None:
    client.get(f"/v1/me/consents/{person.subject_id}", headers=person.headers)  # a 404
    answer = client.get("/metrics", headers=operator.headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    families = _families(answer.text)
    requests = families["fairfile_http_requests"]
    assert any(labels.get("route") == "/v1/me/consents/{grant_id}" and labels["status"] == "404"
               for labels, _ in requests)  # fmt: skip
    assert not any(str(person.subject_id) in labels.get("route", "") for labels, _ in requests)
    assert "fairfile_http_request_duration_seconds" in families
    for gauge in ("fairfile_pool_size", "fairfile_webhook_backlog",
                  "fairfile_sequencer_pending_entries", "fairfile_sequencer_lag_seconds"):  # fmt: skip
        assert gauge in families


def test_metrics_need_an_operator_key(client: TestClient, lumen: Org) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=lumen.headers).status_code == 403


def test_metrics_may_be_made_public_by_setting(settings: Settings, pool: ConnectionPool) -> None:
    public = create_app(replace(settings, edge=EdgeSettings(metrics_public=True)), pool=pool)
    with TestClient(public) as client:
        assert client.get("/metrics").status_code == 200
