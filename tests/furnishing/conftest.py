"""Furnishing fixtures: a furnisher organization, and a database of the module's own for the
tests that must commit (API requests, the command line, the crash test)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from bureau.auth import repo as auth_repo
from bureau.db.migrate import migrate
from tests.conftest import scratch_database


def add_furnisher(conn: psycopg.Connection[Any], code: str, name: str | None = None) -> UUID:
    org_id = uuid4()
    auth_repo.insert_organization(
        conn, org_id, name or f"Furnisher {code}", ["furnisher"], code,
        "1 LEDGER WAY, CASPER, WY 82601", "3075550100",
    )  # fmt: skip
    return org_id


@pytest.fixture
def furnisher_id(conn: psycopg.Connection[Any]) -> UUID:
    """A furnisher whose Metro 2 identification number is the synthetic files' default."""
    return add_furnisher(conn, "FAIRFILESANDBOX01")


@pytest.fixture(scope="module")
def committed_url(server_url: str) -> Iterator[str]:
    """A fresh migrated database for tests whose work is committed."""
    with scratch_database(server_url, f"fairfile_furnish_{secrets.token_hex(3)}") as url:
        migrate(url)
        yield url
