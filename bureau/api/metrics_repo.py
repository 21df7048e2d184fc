"""The database counts `/metrics` shows: reads of tables other modules own, never writes."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import tuple_row

WEBHOOK_BACKLOG_SQL = "SELECT count(*) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL"
"""Deliveries still to be attempted (`webhook_deliveries_due` indexes exactly these)."""

SEQUENCER_LAG_SQL = (
    "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) "
    "FROM audit_log WHERE leaf_index IS NULL"
)
"""Entries committed but not sequenced, and the oldest one's age (`audit_log_pending`)."""


def webhook_backlog(conn: psycopg.Connection[Any]) -> int:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(WEBHOOK_BACKLOG_SQL)
        row = cur.fetchone()
    return int(row[0]) if row else 0


def sequencer_lag(conn: psycopg.Connection[Any]) -> tuple[int, float]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(SEQUENCER_LAG_SQL)
        row = cur.fetchone()
    return (int(row[0]), float(row[1])) if row else (0, 0.0)
