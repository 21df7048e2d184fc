"""A signed-in subject (portal session over HTTPS) and a lender of the test's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.sandbox.seed import SeedResult
from bureau.vault import Vault
from tests.consent.oauth.flow import Lender, new_lender
from tests.web.conftest import Person, enrol_person, lone_address
from tests.web.portal import sign_in


@pytest.fixture
def person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    return enrol_person(pool, vault, sandbox)


@pytest.fixture
def browser(app: FastAPI, person: Person) -> Iterator[TestClient]:
    """The subject's browser: HTTPS (Secure cookies), signed in, from an address of its own."""
    with TestClient(app, base_url="https://testserver", client=(lone_address(), 50000)) as c:
        sign_in(c, person.token)
        yield c


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """The lender's HTTP client (HTTPS: Authlib refuses OAuth over plain http off loopback)."""
    with TestClient(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def lender(api: TestClient, sandbox: SeedResult) -> Lender:
    return new_lender(api, sandbox)
