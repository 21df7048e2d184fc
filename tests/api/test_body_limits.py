"""An oversized body is refused with 413 before anything reads it or asks who sent it."""

from __future__ import annotations

import time
from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.config import EdgeSettings, Settings
from tests.api.served import exchange, served

FIFTY_MB = 50 * 1024 * 1024


def _head(path: str, *lines: str) -> bytes:
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: bureau", *lines, "", ""]).encode()


def test_a_50_mb_unauthenticated_body_is_refused_without_being_read(app: FastAPI) -> None:
    with served(app) as port:
        started = time.monotonic()
        # The head declares 50 MB; only 64 KiB follow, and the answer comes anyway.
        answer = exchange(port, _head("/v1/me/consents", "Content-Type: application/json",
                                      f"Content-Length: {FIFTY_MB}"), [b"{" * 65536])  # fmt: skip
        took = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"application/problem+json" in head and b"x-request-id" in head.lower()
    assert b'"type":"https://fairfile.dev/problems/body-too-large"' in body
    assert b"unauthenticated" not in body  # refused before authentication looked at anything
    assert took < 5


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
    settings: Settings, pool: ConnectionPool
) -> None:
    small = create_app(replace(settings, edge=EdgeSettings(body_max_bytes=10_000)), pool=pool)
    chunk = b"%x\r\n%s\r\n" % (4096, b" " * 4096)
    with TestClient(small), served(small) as port:
        answer = exchange(port, _head("/v1/me/consents", "Content-Type: application/json",
                                      "Transfer-Encoding: chunked"), [chunk] * 8)  # fmt: skip
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"body-too-large" in answer


def test_a_body_within_the_limit_reaches_authentication(client: TestClient) -> None:
    answer = client.post("/v1/me/consents", json={"purpose": "x"})
    assert answer.status_code == 401  # authentication comes before the body is validated


def test_uploads_are_left_to_their_own_streaming_cap(
    settings: Settings, pool: ConnectionPool
) -> None:
    small = create_app(replace(settings, edge=EdgeSettings(body_max_bytes=10)), pool=pool)
    with TestClient(small) as client:
        answer = client.post("/v1/furnish/metro2", content=b"x" * 100)
    assert answer.status_code == 401  # not 413: the upload path streams under its own cap
