"""A bureau that survives hostile clients: stalled uploads hold no database connection, and a
forwarded address is believed only from a trusted proxy. Run against a real uvicorn server on
127.0.0.1, as a client on the network would meet it."""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from bureau.app import create_app
from bureau.config import PoolSettings, Settings, UploadSettings
from bureau.db.pool import open_pool
from bureau.sandbox.commands import proxy_options
from bureau.sandbox.seed import SeedResult
from bureau.web.signin import client_address
from tests.api.served import served
from tests.consent.conftest import Org, Person
from tests.consent.test_routes import grant


def _stall_upload(port: int, key: str) -> socket.socket:
    """Headers and ten bytes of a large upload, then silence (the socket stays open)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(
        b"POST /v1/furnish/metro2 HTTP/1.1\r\nHost: bureau\r\n"
        + f"Authorization: Bearer {key}\r\n".encode()
        + b"Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n0123456789"
    )
    return s


def test_nine_stalled_uploads_hold_no_pooled_connection_so_health_and_a_pull_answer(
    settings: Settings, database_url: str, sandbox: SeedResult, app: FastAPI,
    person: Person, lumen: Org,
) -> None:  # fmt: skip
    with TestClient(app) as client:
        made = grant(client, person, lumen)
    furnisher_key = sandbox.org_keys["northwind"]["key"]
    pool = open_pool(database_url, max_size=4, timeout=5)
    # Nine stalled uploads of one furnisher, all let in (the per-furnisher limit is lifted),
    # against a pool of four: none may hold a connection while its body does not arrive.
    tight = replace(settings, pool=PoolSettings(size=4, timeout=5),
                    uploads=UploadSettings(read_timeout=60, per_furnisher=9))  # fmt: skip
    sockets: list[socket.socket] = []
    try:
        with served(create_app(tight, pool=pool)) as port:
            base = f"http://127.0.0.1:{port}"
            sockets = [_stall_upload(port, furnisher_key) for _ in range(9)]
            time.sleep(0.5)  # every upload is being received now
            health = httpx.get(f"{base}/health", timeout=5)
            # Nothing waits on the pool and no connection is held while nine bodies stall: the
            # stalled uploads took none (a pull would otherwise wait out the pool's timeout).
            assert health.status_code == 200
            assert health.json()["pool"] | {"max_size": 4} == {
                "state": "ok",
                "in_use": 0,
                "max_size": 4,
                "waiting": 0,
            }
            pulled = httpx.post(f"{base}/v1/reports", headers=lumen.headers, timeout=30,
                                json={"grant_id": made["grant_id"],
                                      "purpose": "credit-transaction"})  # fmt: skip
            assert pulled.status_code == 201, pulled.text
    finally:
        for s in sockets:
            s.close()
        pool.close()


def test_a_furnisher_gets_only_its_share_of_concurrent_uploads(
    settings: Settings, database_url: str, sandbox: SeedResult
) -> None:
    pool = open_pool(database_url, max_size=2)
    limited = replace(settings, uploads=UploadSettings(read_timeout=60, per_furnisher=2))
    key = sandbox.org_keys["northwind"]["key"]
    sockets: list[socket.socket] = []
    try:
        with served(create_app(limited, pool=pool)) as port:
            base = f"http://127.0.0.1:{port}"
            sockets = [_stall_upload(port, key) for _ in range(2)]
            time.sleep(0.3)
            third = httpx.post(f"{base}/v1/furnish/metro2", content=b"x" * 10, timeout=5,
                               headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            assert third.status_code == 429
            assert third.json()["type"].endswith("/too-many-uploads")
    finally:
        for s in sockets:
            s.close()
        pool.close()


def test_the_per_furnisher_limit_holds_across_worker_processes(
    settings: Settings, database_url: str, sandbox: SeedResult
) -> None:
    """Two bureaus on one database, as two workers are: one stalled upload at each fills the
    furnisher's two slots, so a third at either is refused, and a slot given back is free
    again for the other."""
    limited = replace(settings, uploads=UploadSettings(read_timeout=60, per_furnisher=2))
    key = sandbox.org_keys["northwind"]["key"]
    pools = [open_pool(database_url, max_size=2) for _ in range(2)]
    sockets: list[socket.socket] = []
    try:
        with (
            served(create_app(limited, pool=pools[0])) as first,
            served(create_app(limited, pool=pools[1])) as second,
        ):
            sockets = [_stall_upload(first, key), _stall_upload(second, key)]
            time.sleep(0.5)
            for port in (first, second):
                third = httpx.post(f"http://127.0.0.1:{port}/v1/furnish/metro2", timeout=5,
                                   content=b"x" * 10, headers={"Authorization": f"Bearer {key}"})  # fmt: skip
                assert third.status_code == 429, third.text
                assert third.json()["type"].endswith("/too-many-uploads")
            sockets.pop(0).close()  # the first worker's upload ends: its slot is given back
            time.sleep(0.5)
            again = httpx.post(f"http://127.0.0.1:{second}/v1/furnish/metro2", timeout=5,
                               content=b"x" * 10, headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            assert again.status_code != 429, again.text
    finally:
        for s in sockets:
            s.close()
        for pool in pools:
            pool.close()


def test_an_upload_that_stops_arriving_is_refused_after_the_read_timeout(
    settings: Settings, database_url: str, sandbox: SeedResult
) -> None:
    pool = open_pool(database_url, max_size=2)
    impatient = replace(settings, uploads=UploadSettings(read_timeout=0.3))
    try:
        with served(create_app(impatient, pool=pool)) as port:
            s = _stall_upload(port, sandbox.org_keys["northwind"]["key"])
            s.settimeout(5)
            answer = s.recv(4096).decode()
            s.close()
            assert answer.startswith("HTTP/1.1 408"), answer
            assert "upload-stalled" in answer
    finally:
        pool.close()


@pytest.mark.parametrize("trusted", ["", "10.9.9.9"])
def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
    settings: Settings, database_url: str, trusted: str
) -> None:
    """The sign-in limit counts the TCP peer (here 127.0.0.1) unless the peer is a trusted
    proxy: uvicorn by itself would believe X-Forwarded-For from 127.0.0.1."""
    probe = FastAPI()

    @probe.get("/address")
    def address(request: Request) -> dict[str, str]:
        return {"address": client_address(request)}

    options = proxy_options(replace(settings, trusted_proxies=trusted))
    with served(probe, **options) as port:
        answer = httpx.get(
            f"http://127.0.0.1:{port}/address", headers={"X-Forwarded-For": "203.0.113.7"}
        )
    assert answer.json()["address"] == "127.0.0.1"
    with served(probe, **proxy_options(replace(settings, trusted_proxies="127.0.0.1"))) as port:
        trusted_answer = httpx.get(
            f"http://127.0.0.1:{port}/address", headers={"X-Forwarded-For": "203.0.113.7"}
        )
    assert trusted_answer.json()["address"] == "203.0.113.7"
