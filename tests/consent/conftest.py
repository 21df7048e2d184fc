"""Fixtures for consent flows: a fresh subject per test (so freezes and alerts never leak
between tests), with an account at Northwind, and the sandbox's users' keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from psycopg_pool import ConnectionPool

from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult
from bureau.subjects.enrolment import IdentityClaim
from bureau.vault import Vault
from tests.conftest import bearer, enrol_with_accounts, random_national_id


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
    claim = IdentityClaim(
        name=f"Test Person {secrets.token_hex(3)}",
        national_id=random_national_id(),
        dob=date(1980, 5, 17),
        addresses=["1 Test St, Springfield IL 62701"],
        phones=["2175550100"],
    )
    subject_id, token, ids = enrol_with_accounts(
        pool, vault, sandbox, claim, AccountSpec("northwind", "card", 40, 6000, 1500)
    )
    return Person(subject_id, token, bearer(token), ids["northwind"])


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
