"""One real PostgreSQL per test session, built by the real migrations.

With DATABASE_URL set, a fresh database is created on that server for the session and dropped
afterwards; otherwise an embedded server (pgserver) is started in a temporary directory. Each
test that takes `conn` runs inside a transaction that is rolled back, so tests never see each
other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.migrate import migrate
from bureau.db.pool import open_pool
from bureau.db.server import embedded_url


def _with_dbname(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The server the session runs on: DATABASE_URL, or a fresh embedded one."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return embedded_url(tmp_path_factory.mktemp("embedded-pg"))


@pytest.fixture(scope="session")
def empty_database_url(server_url: str) -> Iterator[str]:
    """A brand-new, empty database for this session (dropped at the end)."""
    name = f"fairfile_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def database_url(empty_database_url: str) -> str:
    """The session database with every migration applied."""
    migrate(empty_database_url)
    return empty_database_url


@pytest.fixture(scope="session")
def pool(database_url: str) -> Iterator[ConnectionPool]:
    pool = open_pool(database_url, min_size=1, max_size=4)
    yield pool
    pool.close()


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection whose work is rolled back when the test ends."""
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "master.key"
