"""The request's transaction is committed before its response leaves (a redirect after a form
post must find what the post wrote; a released report must already be logged)."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from fastapi import FastAPI

from tests.web.conftest import Person


def test_a_response_is_only_sent_once_its_writes_are_committed(
    app: FastAPI, person: Person, database_url: str
) -> None:
    seen_at_response_start: list[bool] = []

    def frozen_in_database() -> bool:
        with psycopg.connect(database_url) as other:
            row = other.execute(
                "SELECT count(*) FROM freezes WHERE subject_id = %s AND lifted_at IS NULL",
                (person.subject_id,),
            ).fetchone()
            return bool(row and row[0])

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 200
            seen_at_response_start.append(frozen_in_database())

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT",
        "scheme": "https", "path": "/v1/me/freeze", "raw_path": b"/v1/me/freeze",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": ("t", 443),
        "headers": [(b"host", b"t"), (b"authorization", person.headers["Authorization"].encode())],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert seen_at_response_start == [True]
