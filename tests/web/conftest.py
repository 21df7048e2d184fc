"""Portal fixtures: an HTTPS TestClient (Secure cookies flow), and a fresh subject per test.

A fresh subject keeps tests that freeze, grant or dispute from changing the shared sandbox
personas other suites read.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau import events
from bureau.db.pool import transaction
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult
from bureau.subjects.enrolment import IdentityClaim
from bureau.vault import Vault
from bureau.web import deps as web_deps
from tests.conftest import bearer, enrol_with_accounts, random_national_id


@pytest.fixture
def browser_client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient on https://, as a browser would hold the portal's Secure cookies."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def lone_address() -> str:
    """A client address no other test uses (documentation range), so per-address sign-in
    limits counted in one test never reach another."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


@pytest.fixture
def lone_client(app: FastAPI) -> Iterator[TestClient]:
    """Like `browser_client`, from an address of its own."""
    with TestClient(app, base_url="https://testserver", client=(lone_address(), 50000)) as c:
        yield c


class Clock:
    """The portal's clock for one test: sessions and lockouts move with it, no sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    app.dependency_overrides[web_deps.clock] = lambda: clock.now
    yield clock
    app.dependency_overrides.pop(web_deps.clock, None)


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
        national_id=random_national_id(),
        dob=date(1985, 3, 9),
        addresses=["9 Portal Way, Springfield IL 62701"],
        phones=["2175550199"],
    )
    subject_id, token, ids = enrol_with_accounts(
        pool, vault, sandbox, claim,
        AccountSpec("northwind", "card", 40, 6000, 1800, lates={4: "1"}),
        AccountSpec("harbor-auto", "auto", 20, 24000, 15000),
    )  # fmt: skip
    return Person(subject_id, name, token, bearer(token), ids["northwind"], ids["harbor-auto"])


@pytest.fixture
def person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    return enrol_person(pool, vault, sandbox)


@pytest.fixture
def other_person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    return enrol_person(pool, vault, sandbox)


def store_results_notice(pool: ConnectionPool, subject_id: str, title: str) -> UUID:
    """A dispute-results letter in the subject's inbox, titled so a test can look for it."""
    notice_id = uuid4()
    body = {
        "title": title,
        "date": "2026-11-20",
        "sender": {"name": "fairfile consumer reporting agency"},
        "paragraphs": ["We have completed the reinvestigation of your dispute."],
        "rights": ["Your full file is free for you to see at any time."],
    }
    with transaction(pool) as conn:
        events.publish(conn, events.NoticeWritten(subject_id=UUID(subject_id), notice_id=notice_id,
                                                  kind="dispute-results", body=body))  # fmt: skip
    return notice_id
