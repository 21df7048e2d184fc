"""SQL the sandbox seeding needs beyond the file's own repo."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb


def seeded(conn: psycopg.Connection[Any], seed: int, as_of: date) -> bool:
    cur = conn.execute("SELECT 1 FROM sandbox_seeds WHERE seed = %s AND as_of = %s", (seed, as_of))
    return cur.fetchone() is not None


def mark_seeded(conn: psycopg.Connection[Any], seed: int, as_of: date) -> None:
    conn.execute(
        "INSERT INTO sandbox_seeds (seed, as_of) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (seed, as_of),
    )


def insert_open_dispute(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID, tradeline_id: UUID,
    furnisher_id: UUID, received_at: datetime, due_at: date,
) -> None:  # fmt: skip
    conn.execute(
        """
        INSERT INTO disputes (subject_id, dispute_id, item_kind, item_id, field, furnisher_id,
                              reason_code, state, received_at, due_at)
        VALUES (%s, %s, 'tradeline', %s, 'payment_history', %s, 'inaccurate-late', 'forwarded',
                %s, %s)
        ON CONFLICT (subject_id, dispute_id) DO NOTHING
        """,
        (subject_id, dispute_id, tradeline_id, furnisher_id, received_at, due_at),
    )
    for seq, kind, actor in ((1, "received", "subject"), (2, "forwarded", "bureau")):
        conn.execute(
            """
            INSERT INTO dispute_events (subject_id, dispute_id, seq, kind, actor, detail, at)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT DO NOTHING
            """,
            (subject_id, dispute_id, seq, kind, actor, Jsonb({"sandbox": True}), received_at),
        )
