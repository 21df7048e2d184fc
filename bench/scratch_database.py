"""A throwaway database for a benchmark, so a run never touches data anyone keeps.

With DATABASE_URL set, a new database is created on that server; without it, an embedded
PostgreSQL is started in a fresh temporary folder. The scripts import this as a sibling
(`python bench/x.py` puts bench/ on the path).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from bureau.db.server import embedded_url, stop_embedded


def create(folder_prefix: str) -> tuple[str, str, Path | None]:
    """(the new database's url, its server's url, the embedded server's folder or None)."""
    base = os.environ.get("DATABASE_URL")
    folder = None
    if not base:
        folder = Path(tempfile.mkdtemp(prefix=folder_prefix))
        base = embedded_url(folder)
    return new_database(base), base, folder


def new_database(base: str) -> str:
    """A new, empty database on the server of `base`; returns its url."""
    name = f"fairfile_bench_{secrets.token_hex(3)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = psycopg.conninfo.conninfo_to_dict(base)
    info["dbname"] = name
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


def stop_server(folder: Path | None) -> None:
    """Stop the embedded server create() started and delete its folder (none: nothing to do)."""
    if folder is not None:
        stop_embedded(folder)
        shutil.rmtree(folder, ignore_errors=True)
