"""A real HTTP receiver on 127.0.0.1 for webhook tests: records what it got, answers as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    url: str = ""
    answers: list[int] = field(default_factory=list)
    """Status codes to answer with, in turn; 200 once they run out."""
    hang: float = 0.0
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    attempt_ids: list[str] = field(default_factory=list)
    """The webhook-id of every request, answered or not."""
    got: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int = 1, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.received)} of {count} deliveries")
            time.sleep(0.05)


@contextmanager
def receiving(receiver: Receiver | None = None) -> Iterator[Receiver]:
    box = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            box.attempt_ids.append(self.headers.get("webhook-id", ""))
            if box.hang:
                time.sleep(box.hang)
            status = box.answers.pop(0) if box.answers else 200
            if status < 300:
                box.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
