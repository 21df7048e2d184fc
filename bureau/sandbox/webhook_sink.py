"""`bureau sandbox webhook-sink`: every sandbox lender's sample webhook endpoint.

Why: a lender prototyping against the sandbox should see deliveries (and how to check their
signatures) before writing a receiver. The seed registers `http://127.0.0.1:8001/<slug>` for
each lender, with a public, seed-derived secret listed in `sandbox-credentials.json`; this
process listens there, checks each delivery's Standard Webhooks signature with that secret
(the `standardwebhooks` package, as a lender's own receiver would), prints one line per
delivery, and shows what each lender received at `GET /<slug>` (JSON, newest last). It answers
2xx only to a delivery whose signature holds, so the bureau's retries can be watched too.
Loopback only, and nothing is kept beyond the process's memory.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY = 1 << 20
"""A delivery carries ids and terms, never file data: a megabyte is far beyond any."""


@dataclass
class Sink:
    """What each lender (by slug) was sent, and their secrets to check it with."""

    secrets: Mapping[str, str]
    out: TextIO = sys.stdout
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, slug: str, headers: Mapping[str, str], body: bytes) -> int:
        """Check and keep one delivery; the status to answer with."""
        secret = self.secrets.get(slug)
        if secret is None:
            return 404
        wanted = {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp",
                                                  "webhook-signature")}  # fmt: skip
        try:
            payload = Webhook(secret).verify(body, wanted)
            verified, problem = True, None
        except WebhookVerificationError as exc:
            payload, verified, problem = None, False, str(exc)
        entry = {"webhook_id": wanted["webhook-id"], "verified": verified, "problem": problem,
                 "payload": payload if verified else body.decode("utf-8", "replace")}  # fmt: skip
        with self.lock:
            self.received.setdefault(slug, []).append(entry)
        kind = payload.get("type") if isinstance(payload, dict) else "?"
        state = "signature ok" if verified else f"REFUSED: {problem}"
        print(f"{slug:<16} {kind:<18} {wanted['webhook-id']}  {state}", file=self.out, flush=True)
        return 204 if verified else 400

    def shown(self, slug: str) -> list[dict[str, Any]] | None:
        if slug not in self.secrets:
            return None
        with self.lock:
            return list(self.received.get(slug, []))


def server(sink: Sink, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server for `sink` (not started: call serve_forever)."""

    class Handler(BaseHTTPRequestHandler):
        def _slug(self) -> str:
            return self.path.split("?", 1)[0].strip("/")

        def _answer(self, status: int, doc: Any = None) -> None:
            data = b"" if doc is None else json.dumps(doc, indent=1).encode()
            self.send_response(status)
            if doc is not None:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("content-length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._answer(413 if length > MAX_BODY else 400)
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._answer(sink.record(self._slug(), headers, body))

        def do_GET(self) -> None:
            shown = sink.shown(self._slug())
            if shown is None:
                self._answer(404, {"lenders": sorted(sink.secrets)})
                return
            self._answer(200, {"lender": self._slug(), "deliveries": shown})

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((host, port), Handler)
    httpd.daemon_threads = True
    return httpd


def secrets_from(credentials: Mapping[str, Any]) -> dict[str, str]:
    """Each lender's webhook secret from `sandbox-credentials.json`'s organizations."""
    return {slug: org["webhook_secret"] for slug, org in credentials["organizations"].items()
            if org.get("webhook_secret")}  # fmt: skip
