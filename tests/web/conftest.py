"""Portal fixtures: an HTTPS TestClient (Secure cookies flow), and a fresh subject per test.

A fresh subject keeps tests that freeze, grant or dispute from changing the shared sandbox
personas other suites read.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.auth.service import issue_subject_token
from bureau.db.pool import transaction
from bureau.file import repo as file_repo
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult, tradeline_values
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from tests.conftest import SANDBOX_AS_OF, bearer


@pytest.fixture
def browser_client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient on https://, as a browser would hold the portal's Secure cookies."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@dataclass(frozen=True)
class Person:
    subject_id: UUID
    name: str
    token: str
    headers: dict[str, str]
    card: UUID
    """A Northwind Bank card, one 30-day late four months ago."""
    auto: UUID
    """A Harbor Auto Finance loan, always paid on time."""


def enrol_person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    name = f"Portal Tester {secrets.token_hex(3).upper()}"
    claim = IdentityClaim(
        name=name,
        national_id=f"{secrets.randbelow(899) + 1:03d}{secrets.randbelow(99) + 1:02d}"
        f"{secrets.randbelow(9999) + 1:04d}",
        dob=date(1985, 3, 9),
        addresses=["9 Portal Way, Springfield IL 62701"],
        phones=["2175550199"],
    )
    accounts = {
        "northwind": AccountSpec("northwind", "card", 40, 6000, 1800, lates={4: "1"}),
        "harbor-auto": AccountSpec("harbor-auto", "auto", 20, 24000, 15000),
    }
    ids: dict[str, UUID] = {}
    with transaction(pool) as conn:
        subject_id, _ = enrol(conn, vault, claim, uuid4())
        cipher = vault.cipher_for(conn, subject_id)
        for slug, spec in accounts.items():
            furnisher = UUID(sandbox.org_keys[slug]["org_id"])
            number = f"{slug[:3].upper()}{secrets.randbelow(10**9):09d}"
            ids[slug] = uuid4()
            file_repo.upsert_tradeline(
                conn, subject_id, ids[slug], furnisher,
                vault.blind_index("account", f"{furnisher}:{number}"),
                cipher.encrypt("account", number), cipher.key_version,
                tradeline_values(spec, SANDBOX_AS_OF),
            )  # fmt: skip
        token = str(issue_subject_token(conn, subject_id))
    return Person(subject_id, name, token, bearer(token), ids["northwind"], ids["harbor-auto"])


@pytest.fixture
def person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    return enrol_person(pool, vault, sandbox)


@pytest.fixture
def other_person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    return enrol_person(pool, vault, sandbox)
