"""Apply the numbered SQL migrations in order, each in its own transaction.

Idempotent: applied versions are recorded in `schema_migrations`, so re-running applies only
what is new. An advisory lock keeps two processes (say, two servers starting) from racing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import psycopg

from bureau.db.distribution import citus_present, distribute

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x0FA1F11E


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    folder = resources.files("bureau.db") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def migrate(
    url: str, *, through: int | None = None, on_placed: Callable[[str], None] | None = None
) -> list[Migration]:
    """Apply every migration not yet recorded (up to version `through`, if given: for tests
    and benches that need the schema as it was); returns those applied now.

    On a Citus coordinator the whole schema is then placed on the cluster (bureau/db/
    distribution.py); `on_placed` hears one line per table placed now.
    """
    applied_now: list[Migration] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for migration in available():
                if migration.version in done:
                    continue
                if through is not None and migration.version > through:
                    break
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                applied_now.append(migration)
            if through is None and citus_present(conn):
                with conn.transaction():
                    for line in distribute(conn):
                        if on_placed is not None:
                            on_placed(line)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now


def pending(url: str) -> list[Migration]:
    """Migrations not yet applied to the database at `url` (all of them on an empty one)."""
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        done: set[int] = set()
        if exists and exists[0]:
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return [m for m in available() if m.version not in done]
