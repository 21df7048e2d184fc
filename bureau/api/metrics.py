"""`/metrics` in Prometheus' text format: requests, latency, the pool, the webhook backlog and
the access log's sequencing lag.

Why these: a served bureau degrades in three ways before it fails: its connection pool runs
dry, webhook deliveries pile up, or the background sequencer falls behind (entries committed
but not yet in the Merkle tree, so no proof can be given for them). Requests are labelled by
route template, never by raw path (a path holds ids: one series per report would be unbounded).

Each app has its own registry (tests build many apps in one process). With several uvicorn
workers each worker counts its own requests: scrape each, or set PROMETHEUS_MULTIPROC_DIR as
prometheus-client documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from bureau.api import metrics_repo
from bureau.api.deps import BearerDep, SettingsDep, Tx, presented_key
from bureau.auth.service import authenticate_org
from bureau.db.batch import run

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: a report pull takes a few milliseconds, an upload may take minutes."""


class Metrics:
    """The instruments of one app, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "fairfile_http_requests", "HTTP requests answered, by route template and status",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "fairfile_http_request_duration_seconds", "Time to answer, by route template",
            ["method", "route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._state: _Scraped | None = None

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self, pool: Any, backlog: int, pending: int, oldest: float) -> bytes:
        """The text exposition, with the scrape-time gauges read just now."""
        scraped = _Scraped(pool, backlog, pending, oldest)
        self.registry.register(scraped)
        try:
            return generate_latest(self.registry)
        finally:
            self.registry.unregister(scraped)


class _Scraped(Collector):
    """Gauges read at scrape time: the pool's statistics and two database counts."""

    def __init__(self, pool: Any, backlog: int, pending: int, oldest: float) -> None:
        self.pool, self.backlog, self.pending, self.oldest = pool, backlog, pending, oldest

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = self.pool.get_stats() if self.pool is not None else {}
        for name, key, text in (
            ("fairfile_pool_size", "pool_size", "Connections the pool holds"),
            ("fairfile_pool_available", "pool_available", "Idle connections in the pool"),
            ("fairfile_pool_waiting", "requests_waiting", "Requests waiting for a connection"),
            ("fairfile_pool_max", "pool_max", "Connections the pool may open"),
        ):
            yield GaugeMetricFamily(name, text, value=float(stats.get(key, 0)))
        yield GaugeMetricFamily(
            "fairfile_webhook_backlog", "Webhook deliveries not yet settled", value=self.backlog
        )
        yield GaugeMetricFamily(
            "fairfile_sequencer_pending_entries",
            "Committed access-log entries not yet in the Merkle tree", value=self.pending,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "fairfile_sequencer_lag_seconds",
            "Age of the oldest access-log entry not yet in the tree (0: none waits)",
            value=self.oldest,
        )  # fmt: skip


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, conn: Tx, settings: SettingsDep, credentials: BearerDep) -> Response:
    """Prometheus' text format; an operator key unless FAIRFILE_METRICS_PUBLIC is on."""
    if not settings.edge.metrics_public:
        run(conn, authenticate_org(presented_key(credentials))).require("operator")
    instruments: Metrics = request.app.state.metrics
    backlog = metrics_repo.webhook_backlog(conn)
    pending, oldest = metrics_repo.sequencer_lag(conn)
    body = instruments.exposition(
        getattr(request.app.state, "pool", None), backlog, pending, oldest
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
