"""Find the PostgreSQL server: `DATABASE_URL`, or an embedded one kept in the data dir.

The embedded server (pgserver) lets a new user run the bureau with nothing but Python; it is a
real PostgreSQL, the same engine as production, so no behaviour differs between the two.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import psycopg

from bureau.config import Settings


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached; the message is one line for the operator."""


_embedded: dict[Path, Any] = {}


def embedded_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded server whose cluster lives in `data_dir/pg`."""
    pg_dir = (data_dir / "pg").resolve()
    if pg_dir not in _embedded:
        pg_dir.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                # pgserver asks platformdirs for a runtime dir that headless machines lack;
                # it falls back to /tmp, which is fine, so the warning is only noise.
                warnings.simplefilter("ignore")
                import pgserver

                _embedded[pg_dir] = pgserver.get_server(pg_dir)
        except Exception as exc:
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {pg_dir}: {exc}"
            ) from exc
    return str(_embedded[pg_dir].get_uri())


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server of `data_dir` if this process started it."""
    server = _embedded.pop((data_dir / "pg").resolve(), None)
    if server is not None:
        server.cleanup()


def database_url(settings: Settings) -> str:
    return settings.database_url or embedded_url(settings.data_dir)


def check_reachable(url: str) -> None:
    """Fail fast with one clear line instead of a traceback deep in the first request."""
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot reach the database at {redact(url)}: {first}") from exc


def ready_url(settings: Settings) -> str:
    """The database URL for a command that needs the current schema, or one clear error."""
    from bureau.db.migrate import pending

    url = database_url(settings)
    check_reachable(url)
    behind = pending(url)
    if behind:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in behind)
        raise DatabaseUnavailable(
            f"the database schema is not up to date ({names} pending): run `bureau migrate`"
        )
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    if info.get("password"):
        info["password"] = "***"
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})
