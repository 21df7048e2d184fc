"""Fixtures for consent flows: a fresh subject per test (so freezes and alerts never leak
between tests), with an account at Northwind, and the sandbox's users' keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest
from psycopg_pool import ConnectionPool

from bureau.auth.service import issue_subject_token
from bureau.db.pool import transaction
from bureau.file import repo as file_repo
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult, tradeline_values
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from tests.conftest import SANDBOX_AS_OF, bearer


@dataclass(frozen=True)
class Person:
    subject_id: UUID
    token: str
    headers: dict[str, str]
    northwind_tradeline: UUID


@dataclass(frozen=True)
class Org:
    org_id: UUID
    key: str
    headers: dict[str, str]


@pytest.fixture
def person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    """A newly enrolled subject with one card account furnished by Northwind Bank."""
    northwind = UUID(sandbox.org_keys["northwind"]["org_id"])
    claim = IdentityClaim(
        name=f"Test Person {secrets.token_hex(3)}",
        national_id=f"{secrets.randbelow(899) + 1:03d}{secrets.randbelow(99) + 1:02d}"
        f"{secrets.randbelow(9999) + 1:04d}",
        dob=date(1980, 5, 17),
        addresses=["1 Test St, Springfield IL 62701"],
        phones=["2175550100"],
    )
    with transaction(pool) as conn:
        subject_id, _ = enrol(conn, vault, claim, uuid4())
        cipher = vault.cipher_for(conn, subject_id)
        tradeline_id = uuid4()
        number = f"NWB{secrets.randbelow(10**9):09d}"
        file_repo.upsert_tradeline(
            conn, subject_id, tradeline_id, northwind,
            vault.blind_index("account", f"{northwind}:{number}"),
            cipher.encrypt("account", number), cipher.key_version,
            tradeline_values(AccountSpec("northwind", "card", 40, 6000, 1500), SANDBOX_AS_OF),
        )  # fmt: skip
        token = str(issue_subject_token(conn, subject_id))
    return Person(subject_id, token, bearer(token), tradeline_id)


def _org(sandbox: SeedResult, slug: str) -> Org:
    entry = sandbox.org_keys[slug]
    return Org(UUID(entry["org_id"]), entry["key"], bearer(entry["key"]))


@pytest.fixture
def lumen(sandbox: SeedResult) -> Org:
    """A lender with no account of the test person (pull scope)."""
    return _org(sandbox, "lumen")


@pytest.fixture
def northwind(sandbox: SeedResult) -> Org:
    """The test person's existing creditor (furnish and pull scopes)."""
    return _org(sandbox, "northwind")


@pytest.fixture
def acme(sandbox: SeedResult) -> Org:
    """An employer (pull scope)."""
    return _org(sandbox, "acme-staffing")


@pytest.fixture
def operator(sandbox: SeedResult) -> Org:
    return _org(sandbox, "operator")


@pytest.fixture
def auditor(sandbox: SeedResult) -> Org:
    return _org(sandbox, "auditor")
