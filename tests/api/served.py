"""A real uvicorn server on 127.0.0.1 in a thread, for tests that speak raw HTTP to the edge."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: FastAPI, **options: Any) -> Iterator[int]:
    """`app` served on a free localhost port; yields the port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", **options))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def exchange(port: int, head: bytes, body_parts: list[bytes], timeout: float = 5) -> bytes:
    """Send a request's head and then body parts (stopping early if the server answers);
    return whatever the server answered before closing or the timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        for part in body_parts:
            try:
                s.sendall(part)
            except OSError:  # the server answered and closed: it read no further
                break
        answer = b""
        try:
            while b"\r\n\r\n" not in answer or not _complete(answer):
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False
