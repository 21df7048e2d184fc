"""Sending the outbox: signed POSTs, bounded in number and in time, retried, and recorded.

The sender never runs in a request: the served bureau's worker thread (`WebhookWorker`) and
`bureau webhooks deliver` read due rows from the outbox, lease them (so two workers never send
one row at once, and a worker killed mid-send leaves the row to be retried), and send at most
`max_in_flight` at a time, each with a timeout. A slow or hanging receiver costs one of those
slots until its timeout, never an API request's time.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from bureau.db.pool import transaction
from bureau.vault import Vault, VaultError
from bureau.webhooks import endpoints, outbox, pinned, repo, schedule, timed
from bureau.webhooks.events import WebhookEvent
from bureau.webhooks.urls import Resolver, UnsafeDestination, check_destination, system_resolver

log = logging.getLogger("bureau.webhooks")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (`standardwebhooks` signs)."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "user-agent": "fairfile-webhooks",
    }


class Deliverer:
    """Sends due deliveries from the outbox; `now` is injectable for retry-schedule tests."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        vault: Vault,
        sandbox: bool,
        timeout: float = 5.0,
        max_in_flight: int = 8,
        lease: timedelta = timedelta(seconds=60),
        now: Clock = utc_now,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.pool = pool
        self.vault = vault
        self.sandbox = sandbox
        self.timeout = timeout
        self.now = now
        self.resolver = resolver
        self.lease = max(lease, timedelta(seconds=timeout * 2))
        self.max_in_flight = max_in_flight
        self._tls = ssl.create_default_context()
        self._sealed_leftovers = False
        self._executor = ThreadPoolExecutor(max_in_flight, thread_name_prefix="webhook-send")
        self._in_flight = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def send(self, row: repo.DueDelivery, at: datetime) -> Outcome:
        """One attempt: refuse an unsafe destination, else POST the signed payload to the very
        addresses that were checked (`pinned`: no second lookup to rebind)."""
        try:
            addresses = check_destination(row.url, self.sandbox, self.resolver)
        except UnsafeDestination as exc:
            return Outcome(None, f"refused: {exc}")
        if row.secret_sealed is None:  # sealed on the first pass (_claim): not expected
            return Outcome(None, "not signed: the endpoint's secret is not sealed yet")
        try:
            secret = endpoints.open_secret(self.vault, row.endpoint_id, row.secret_sealed)
        except VaultError as exc:
            return Outcome(None, f"not signed: {exc}")
        body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False)
        headers = signed_headers(secret, row.message_id, at, body)
        host = urlsplit(row.url).hostname or ""
        answer = pinned.post(row.url, host, addresses, body.encode(), headers, self.timeout,
                             self._tls)  # fmt: skip
        return Outcome(answer.status_code, answer.error)

    def settle(self, row: repo.DueDelivery, at: datetime, outcome: Outcome) -> None:
        """Record the attempt; on failure schedule the retry, or disable a day-long failure."""
        now = self.now()
        with transaction(self.pool) as conn:
            repo.record_attempt(conn, row.message_id, row.attempts, at,
                                outcome.status_code, outcome.error)  # fmt: skip
            if outcome.delivered:
                repo.settle_delivered(conn, row.message_id, row.endpoint_id, now)
                return
            retry_at = schedule.next_attempt(row.attempts, row.created_at, now)
            failing_since = repo.schedule_retry(
                conn, row.message_id, row.endpoint_id, retry_at, now
            )
            if schedule.should_disable(failing_since, now) and repo.disable_failing(
                conn, row.endpoint_id, now
            ):
                _tell_disabled(conn, row, failing_since, now)

    def _claim(self, limit: int) -> list[repo.DueDelivery]:
        if limit <= 0:
            return []
        with transaction(self.pool) as conn:
            if not self._sealed_leftovers:
                # Secrets registered before they were sealed (migration 0180) are sealed on
                # the first pass, before any is read: none stays in plaintext.
                endpoints.seal_plaintext_secrets(conn, self.vault)
            rows = repo.claim_due(conn, self.now(), limit, self.lease)
        self._sealed_leftovers = True
        return rows

    def deliver_due(self) -> int:
        """Send every due delivery now and wait for the outcomes (CLI, tests). Returns how many
        were attempted."""
        total = 0
        while rows := self._claim(self.max_in_flight):
            at = self.now()
            outcomes = list(self._executor.map(self.send, rows, [at] * len(rows)))
            for row, outcome in zip(rows, outcomes, strict=True):
                self.settle(row, at, outcome)
            total += len(rows)
        return total

    def start_due(self) -> int:
        """Start sending due deliveries without waiting (the worker): at most `max_in_flight`
        in flight at once. Returns how many were started."""
        with self._lock:
            free = self.max_in_flight - self._in_flight
        rows = self._claim(free)
        at = self.now()
        for row in rows:
            with self._lock:
                self._in_flight += 1
            future = self._executor.submit(self.send, row, at)
            future.add_done_callback(functools.partial(self._finished, row=row, at=at))
        return len(rows)

    def _finished(self, future: Future[Outcome], *, row: repo.DueDelivery, at: datetime) -> None:
        try:
            outcome = future.result() if not future.cancelled() else Outcome(None, "cancelled")
            self.settle(row, at, outcome)
        except Exception:
            log.exception("recording webhook attempt %s failed", row.message_id)
        finally:
            with self._lock:
                self._in_flight -= 1


def _tell_disabled(
    conn: Any, row: repo.DueDelivery, failing_since: datetime, now: datetime
) -> None:
    notice_id = uuid4()
    body = {
        "title": "A webhook endpoint was disabled",
        "endpoint_id": str(row.endpoint_id),
        "url": row.url,
        "failing_since": failing_since.isoformat(),
        "detail": "every delivery to it failed for 24 hours; register it again once it answers",
    }
    repo.insert_org_notice(conn, row.org_id, notice_id, "webhook-endpoint-disabled", body, now)
    outbox.record(
        conn,
        WebhookEvent("notice.created", row.org_id,
                     {"notice_id": str(notice_id), "kind": "webhook-endpoint-disabled"}),
        now,
    )  # fmt: skip


class WebhookWorker:
    """The served bureau's background sender and scheduler (started by the app's lifespan).

    Polls the outbox every `interval` seconds and runs the time-driven events (grant.expired,
    dispute.deadline) every `schedule_every` seconds.
    """

    def __init__(
        self,
        deliverer: Deliverer,
        emitters: list[str],
        interval: float = 0.5,
        schedule_every: float = 30.0,
    ) -> None:
        self.deliverer = deliverer
        self.emitters = emitters
        self.interval = interval
        self.schedule_every = schedule_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.deliverer.close()

    def _run(self) -> None:
        next_schedule = 0.0
        clock = 0.0
        while not self._stop.is_set():
            try:
                if clock >= next_schedule:
                    timed.emit_due(self.deliverer.pool, self.deliverer.now(), self.emitters)
                    next_schedule = clock + self.schedule_every
                self.deliverer.start_due()
            except Exception:
                log.exception("webhook worker pass failed; trying again")
            self._stop.wait(self.interval)
            clock += self.interval
