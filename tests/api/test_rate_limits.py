"""Per-credential and per-address limits, counted in PostgreSQL (so every worker shares them),
told in RateLimit headers, and refused past the limit with 429 problem+json and Retry-After."""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from typing import Any

import httpx
import psycopg
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.config import EdgeSettings, Settings
from tests.api.served import served
from tests.conftest import bearer


def _limited(settings: Settings, pool: ConnectionPool, **limits: Any) -> TestClient:
    edge = replace(EdgeSettings(rate_limits=True, window_seconds=3600), **limits)
    return TestClient(create_app(replace(settings, edge=edge), pool=pool))


def test_a_credential_past_its_limit_gets_429_with_retry_after(
    settings: Settings, pool: ConnectionPool
) -> None:
    key = bearer(f"ffk_{secrets.token_hex(8)}")
    with _limited(settings, pool, per_key=3, per_address=1000) as client:
        answers = [client.get("/v1/whoami", headers=key) for _ in range(4)]
        other = client.get("/v1/whoami", headers=bearer(f"ffk_{secrets.token_hex(8)}"))
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited")
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["ratelimit"].startswith('"per-key";r=0;t=')
    assert other.status_code == 401  # another credential has its own allowance
    assert answers[0].headers["ratelimit-policy"] == (
        '"per-key";q=3;w=3600, "per-address";q=1000;w=3600'
    )
    assert answers[1].headers["ratelimit"].startswith('"per-key";r=1;')


def test_an_address_is_limited_whatever_credentials_it_sends(
    settings: Settings, pool: ConnectionPool, database_url: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:  # a fresh address bucket
        conn.execute("DELETE FROM rate_limit_hits WHERE bucket = 'address:testclient'")
    with _limited(settings, pool, per_key=1000, per_address=2) as client:
        codes = [client.get("/v1/whoami", headers=bearer(f"ffk_k{n}")).status_code
                 for n in range(3)]  # fmt: skip
    assert codes == [401, 401, 429]


def test_counts_are_shared_by_every_worker(settings: Settings, pool: ConnectionPool) -> None:
    """Two apps (two workers' worth of state) count against the same rows."""
    key = bearer(f"ffk_{secrets.token_hex(8)}")
    with _limited(settings, pool, per_key=2, per_address=1000) as one:
        assert one.get("/v1/whoami", headers=key).status_code == 401
    with _limited(settings, pool, per_key=2, per_address=1000) as two:
        assert two.get("/v1/whoami", headers=key).status_code == 401
        assert two.get("/v1/whoami", headers=key).status_code == 429


def test_health_and_docs_are_not_counted(settings: Settings, pool: ConnectionPool) -> None:
    with _limited(settings, pool, per_key=1, per_address=1) as client:
        assert all(client.get("/health").status_code == 200 for _ in range(3))
        assert "ratelimit" not in client.get("/health").headers


def test_concurrent_requests_are_each_counted_once(
    settings: Settings, pool: ConnectionPool, database_url: str
) -> None:
    """Hits of requests in flight together go in one statement; none is lost or doubled."""
    key = f"ffk_{secrets.token_hex(8)}"
    edge = EdgeSettings(rate_limits=True, window_seconds=3600, per_key=25, per_address=10**6)
    app = create_app(replace(settings, edge=edge), pool=pool)
    answers: list[int] = []
    with served(app) as port:

        def one() -> None:
            answers.append(httpx.get(f"http://127.0.0.1:{port}/v1/whoami", timeout=20,
                                     headers={"Authorization": f"Bearer {key}"}).status_code)  # fmt: skip

        threads = [threading.Thread(target=one) for _ in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(answers) == [401] * 25 + [429] * 5
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT sum(hits) FROM rate_limit_hits WHERE bucket LIKE 'key:%%' "
                           "AND bucket = 'key:' || left(encode(sha256(%s::bytea), 'hex'), 32)",
                           (f"Bearer {key}".encode(),)).fetchone()  # fmt: skip
    assert row is not None and row[0] == 30
