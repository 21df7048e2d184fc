"""Time-driven events (grant.expired, dispute.deadline): found by a scheduled pass, emitted once.

Nothing changes in the database when a grant runs out or a deadline nears, so no transaction
can write these to the outbox; a pass at least every minute (the served bureau's worker, or
`bureau webhooks schedule` from cron) finds them. Each is claimed by a key in
`webhook_emitted` in the same transaction as its outbox rows, so two passes, or two
bureaus, emit it once.

The emitters belong to their domains (`consent.webhook_events`, `disputes.webhook_events`) and
are named in `bureau.app.TIMED_EMITTERS`, so this module imports neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.webhooks import outbox, repo
from bureau.webhooks.events import WebhookEvent

Emitter = Callable[[psycopg.Connection[Any], datetime], Iterable[tuple[str, WebhookEvent]]]
"""(conn, now) -> the (once-key, event) pairs due now; already-emitted keys are skipped here."""


def emitters(module_paths: Iterable[str]) -> list[Emitter]:
    return [importlib.import_module(path).due_events for path in module_paths]


def emit(conn: psycopg.Connection[Any], now: datetime, found: Iterable[Emitter]) -> int:
    """Queue every due time-driven event not emitted before; returns how many were new."""
    count = 0
    for emitter in found:
        for key, event in emitter(conn, now):
            if repo.claim_event_key(conn, key, now):
                outbox.record(conn, event, now)
                count += 1
    return count


def emit_due(pool: ConnectionPool, now: datetime, module_paths: Iterable[str]) -> int:
    with transaction(pool) as conn:
        return emit(conn, now, emitters(module_paths))
