"""SQL the sandbox seeding needs beyond the file's own repo."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg


def seeded(conn: psycopg.Connection[Any], seed: int, as_of: date) -> bool:
    cur = conn.execute("SELECT 1 FROM sandbox_seeds WHERE seed = %s AND as_of = %s", (seed, as_of))
    return cur.fetchone() is not None


def mark_seeded(conn: psycopg.Connection[Any], seed: int, as_of: date) -> None:
    conn.execute(
        "INSERT INTO sandbox_seeds (seed, as_of) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (seed, as_of),
    )
