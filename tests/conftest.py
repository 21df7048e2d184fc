"""One real PostgreSQL per test session, built by the real migrations.

With DATABASE_URL set, a fresh database is created on that server for the session and dropped
afterwards; with FAIRFILE_TEST_CLUSTER=citus, a local Citus cluster (a coordinator and two
workers, tests/cluster/local.py) is started and the session runs on its coordinator; otherwise
an embedded server (pgserver) is started in a temporary directory. Each
test that takes `conn` runs inside a transaction that is rolled back, so tests never see each
other's rows.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.auth.service import issue_subject_token
from bureau.config import Settings
from bureau.db.migrate import migrate
from bureau.db.pool import open_pool, transaction
from bureau.db.server import embedded_url, stop_embedded
from bureau.furnishing import repo as furnishing_repo
from bureau.policy.regime import live_rules
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult, seed_sandbox, tradeline_values
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from disputes.deadlines import receipt_date
from tests.cluster import local as local_cluster
from tests.cluster.subset import in_subset

SANDBOX_AS_OF = date(2026, 11, 1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cluster: in the subset CI runs on the local Citus cluster (tests/cluster/subset.py)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the cluster subset, so `-m cluster` selects it."""
    for item in items:
        if in_subset(item.nodeid):
            item.add_marker(pytest.mark.cluster)


def _with_dbname(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items() if v is not None})


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The server the session runs on: DATABASE_URL, or a fresh embedded one.

    The embedded cluster lives in its own temporary directory rather than pytest's numbered
    tmp dirs, which another pytest process on the same machine may rotate away mid-run.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    if local_cluster.requested():
        yield local_cluster.start().url()
        local_cluster.stop()
        return
    folder = Path(tempfile.mkdtemp(prefix="fairfile-test-pg-"))
    yield embedded_url(folder)
    stop_embedded(folder)
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def scratch_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the session's server, dropped on the way out.

    For tests whose work is committed (the CLI, the session itself), so it never lands in a
    database another test reads. On the local Citus cluster the database is made on every node.
    """
    cluster = local_cluster.running()
    if cluster is not None:
        yield cluster.create_database(name)
        cluster.drop_database(name)
        return
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_dbname(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def empty_database_url(server_url: str) -> Iterator[str]:
    """A brand-new, empty database for this session (dropped at the end)."""
    with scratch_database(server_url, f"fairfile_test_{os.getpid()}_{secrets.token_hex(3)}") as url:
        yield url


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
def conn(database_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A connection whose work is rolled back when the test ends."""
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "master.key"


@pytest.fixture(scope="session")
def session_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's key file, with its signing key beside it (as `bureau init` makes them:
    no app creates a key)."""
    path = tmp_path_factory.mktemp("vault") / "master.key"
    SigningKey.load_or_create(signing_key_file(path))
    return path


@pytest.fixture(scope="session")
def vault(session_key_file: Path) -> Vault:
    """The session's vault (its key file lives in a temporary directory)."""
    return Vault.from_key_file(session_key_file)


@pytest.fixture(scope="session")
def settings(
    database_url: str, session_key_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        key_file=session_key_file,
        sandbox=True,
        # Longer than any session: a test that gets a new signed tree head gets it because a
        # subject is owed one or the log was published on purpose, never because time passed.
        tree_head_interval=timedelta(hours=1),
        issuer="https://testserver",  # the TestClients' origin
    )


@pytest.fixture(scope="session")
def sandbox(pool: ConnectionPool, vault: Vault) -> SeedResult:
    """The sandbox seeded once for the session (seed 1, a fixed as-of date)."""
    with transaction(pool) as connection:
        vault.record_fingerprints(connection)  # a new database's keys, as `bureau init` records
        seeded = seed_sandbox(connection, vault, seed=1, as_of=SANDBOX_AS_OF)
        # The seeding date is fixed, the clock is not: the persona's open dispute (received on
        # the seeding date) is re-dated to today, so a session run more than a month after
        # SANDBOX_AS_OF still finds it inside its period (past it, its item is rightly gone).
        received = datetime.now(UTC)
        connection.execute(
            "UPDATE disputes SET received_at = %s, due_at = %s WHERE closed_at IS NULL",
            (received, receipt_date(received) + timedelta(days=live_rules().dispute.resolve_days)),
        )
        return seeded


@pytest.fixture(scope="session")
def app(settings: Settings, pool: ConnectionPool, sandbox: SeedResult) -> FastAPI:
    return create_app(settings, pool=pool)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def random_national_id() -> str:
    """A well-formed national id nobody else has, so each enrolment makes a new subject."""
    return (
        f"{secrets.randbelow(899) + 1:03d}{secrets.randbelow(99) + 1:02d}"
        f"{secrets.randbelow(9999) + 1:04d}"
    )


def enrol_with_accounts(
    pool: ConnectionPool,
    vault: Vault,
    sandbox: SeedResult,
    claim: IdentityClaim,
    *accounts: AccountSpec,
) -> tuple[UUID, str, dict[str, UUID]]:
    """A new subject of the test's own, with accounts furnished by sandbox organisations.

    Committed, so requests through the app see it; a fresh subject per test keeps freezes,
    grants and disputes from leaking into the shared sandbox personas. Returns the subject id,
    a consumer token, and the tradeline id per furnisher slug.
    """
    ids: dict[str, UUID] = {}
    with transaction(pool) as conn:
        subject_id, _ = enrol(conn, vault, claim, uuid4())
        cipher = vault.cipher_for(conn, subject_id)
        for spec in accounts:
            furnisher = UUID(sandbox.org_keys[spec.furnisher]["org_id"])
            number = f"{spec.furnisher[:3].upper()}{secrets.randbelow(10**9):09d}"
            ids[spec.furnisher] = uuid4()
            furnishing_repo.upsert_tradeline(
                conn, subject_id, ids[spec.furnisher], furnisher,
                vault.blind_index("account", f"{furnisher}:{number}"),
                cipher.encrypt("account", number), cipher.key_version,
                tradeline_values(spec, SANDBOX_AS_OF),
            )  # fmt: skip
        token = str(issue_subject_token(conn, subject_id))
    return subject_id, token, ids
