"""Databases of their own for the vault's maintenance tests: rotation commits batch by batch
and touches every data key, so it must never run on the session's shared database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from bureau.db.migrate import migrate
from tests.cluster import local as local_cluster
from tests.conftest import _with_dbname, scratch_database


@pytest.fixture(scope="module")
def migrated_template(server_url: str) -> Iterator[str | None]:
    """One migrated database per module, copied for each test (a copy is much faster than
    running the migrations again). None on the Citus cluster, where no template serves."""
    if local_cluster.running() is not None:
        yield None
        return
    with scratch_database(server_url, f"fairfile_vault_tpl_{secrets.token_hex(4)}") as url:
        migrate(url)
        yield str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


@pytest.fixture
def own_database(server_url: str, migrated_template: str | None) -> Iterator[str]:
    """A fresh, migrated database for one test, dropped afterwards. On the Citus cluster a
    template copies the coordinator's database only, not the workers' shards, so each test
    gets its own migrated database there."""
    name = f"fairfile_vault_{secrets.token_hex(4)}"
    if local_cluster.running() is not None:
        with scratch_database(server_url, name) as url:
            migrate(url)
            yield url
        return
    assert migrated_template is not None
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(migrated_template)
            )
        )
    yield _with_dbname(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
