"""A small credit file of its own for each dispute test, so tests never touch the sandbox's data.

`world` builds it inside the test's rolled-back transaction (service tests); `committed_world`
commits it for API tests through the real app (fresh ids each time, so tests stay independent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from bureau.auth.repo import insert_organization
from bureau.auth.service import issue_api_key, issue_subject_token
from bureau.db.pool import transaction
from bureau.file import repo as file_repo
from bureau.furnishing import repo as furnishing_repo
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import tradeline_values
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from disputes import routes
from disputes.service import Filing

# Wednesday 25 November 2026, the day before Thanksgiving: the clock starts here in most tests.
T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@dataclass
class World:
    subject_id: UUID
    token: str
    furnisher_id: UUID
    furnisher_key: str
    other_furnisher_id: UUID
    other_key: str
    operator_key: str
    tradeline_id: UUID
    second_tradeline_id: UUID
    account_number: str
    bankruptcy_id: UUID
    users: dict[str, UUID] = field(default_factory=dict)
    user_keys: dict[str, str] = field(default_factory=dict)
    inquiries: dict[str, UUID] = field(default_factory=dict)


def _org(
    conn: psycopg.Connection[Any], name: str, roles: list[str], scopes: list[str]
) -> tuple[UUID, str]:
    org_id = uuid4()
    code = ("F" + org_id.hex[:9]).upper() if "furnisher" in roles else None
    insert_organization(conn, org_id, name, roles, code, f"{name} HQ, 1 Main St", "8005550000")
    return org_id, str(issue_api_key(conn, org_id, scopes, "test"))


def _inquiry(
    conn: psycopg.Connection[Any], subject_id: UUID, org_id: UUID, purpose: str, at: datetime,
    grant_scope: str | None = None,
) -> UUID:  # fmt: skip
    grant_id = None
    if grant_scope is not None:
        grant_id = uuid4()
        conn.execute(
            "INSERT INTO consent_grants (subject_id, grant_id, requester_org_id, purpose, scope, "
            "valid_from, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (subject_id, grant_id, org_id, purpose, grant_scope, at - timedelta(days=1),
             at + timedelta(days=300)),
        )  # fmt: skip
    inquiry_id = uuid4()
    file_repo.insert_inquiry(conn, {
        "subject_id": subject_id, "inquiry_id": inquiry_id, "requester_org_id": org_id,
        "purpose": purpose, "kind": "hard", "grant_id": grant_id, "report_id": None,
        "created_at": at,
    })  # fmt: skip
    return inquiry_id


def build_world(conn: psycopg.Connection[Any], vault: Vault, now: datetime = T0) -> World:
    """A subject with two accounts at one furnisher, a bankruptcy, and six past recipients."""
    furnisher_id, furnisher_key = _org(conn, "Test Bank", ["furnisher", "user"],
                                       ["furnish", "pull"])  # fmt: skip
    other_id, other_key = _org(conn, "Other Lender", ["furnisher"], ["furnish"])
    _, operator_key = _org(conn, "Operator", ["operator"], ["operator"])
    suffix = uuid4().hex[:8]
    subject_id, _ = enrol(conn, vault, IdentityClaim(
        name=f"Dana Test {suffix}", national_id=None, dob=date(1980, 5, 17),
        addresses=["1 Test Lane, Springfield IL 62701"],
    ))  # fmt: skip
    token = str(issue_subject_token(conn, subject_id))
    cipher = vault.cipher_for(conn, subject_id)
    as_of = date(2026, 11, 1)
    account_number = f"TB{suffix}0042"
    ids = []
    for index, spec in enumerate((
        AccountSpec("test", "card", opened=40, limit=5000, balance=1200, lates={3: "1"}),
        AccountSpec("test", "auto", opened=30, limit=20000, balance=9000),
    )):  # fmt: skip
        tradeline_id = uuid4()
        number = account_number if index == 0 else f"TB{suffix}0077"
        values = tradeline_values(spec, as_of)
        furnishing_repo.upsert_tradeline(
            conn, subject_id, tradeline_id, furnisher_id,
            vault.blind_index("account", f"{furnisher_id}:{number}"),
            cipher.encrypt("account", number), cipher.key_version, values,
        )  # fmt: skip
        furnishing_repo.record_report(conn, subject_id, tradeline_id, as_of, "sandbox",
                                {k: str(v) if isinstance(v, date) else v
                                 for k, v in values.items()})  # fmt: skip
        ids.append(tradeline_id)
    # The accounts entered the file years ago, so every past pull carried them.
    conn.execute("UPDATE tradelines SET created_at = %s WHERE subject_id = %s",
                 (now - timedelta(days=3 * 365), subject_id))  # fmt: skip
    bankruptcy_id = uuid4()
    file_repo.insert_bankruptcy(conn, {
        "subject_id": subject_id, "bankruptcy_id": bankruptcy_id, "chapter": "7",
        "court": "U.S. Bankruptcy Court, N.D. Ill.", "case_number": "19-12345",
        "date_filed": date(2019, 3, 1), "disposition": "discharged",
        "date_disposition": date(2019, 7, 1), "reported_by": None,
    })  # fmt: skip
    conn.execute("UPDATE bankruptcies SET created_at = %s WHERE subject_id = %s",
                 (now - timedelta(days=3 * 365), subject_id))  # fmt: skip

    world = World(subject_id, token, furnisher_id, furnisher_key, other_id, other_key,
                  operator_key, ids[0], ids[1], account_number, bankruptcy_id)  # fmt: skip
    recipients = {
        # name: (purpose, days before now, grant scope)
        "recent-lender": ("credit-transaction", 30, None),
        "landlord": ("tenant-screening", 170, "full"),
        "old-lender": ("credit-transaction", 200, None),
        "employer": ("employment", 400, None),
        "old-employer": ("employment", 800, None),
        "score-only": ("credit-transaction", 10, "score"),
    }
    for name, (purpose, days, scope) in recipients.items():
        org_id, key = _org(conn, f"User {name}", ["user"], ["pull"])
        world.users[name] = org_id
        world.user_keys[name] = key
        world.inquiries[name] = _inquiry(conn, subject_id, org_id, purpose,
                                         now - timedelta(days=days), scope)  # fmt: skip
    return world


def account_dispute(world: World, **kw: Any) -> Filing:
    """A dispute of the first account's late payment; keywords override any field."""
    values: dict[str, Any] = {"item_kind": "account", "item_id": world.tradeline_id,
                              "reason_code": "inaccurate-late",
                              "description": "I paid on time in August."} | kw  # fmt: skip
    return Filing(**values)


def compliance_of(conn: psycopg.Connection[Any], world: World) -> str | None:
    """The Metro 2 compliance condition code the file now shows on the first account."""
    row = conn.execute(
        "SELECT compliance_condition FROM tradelines WHERE subject_id = %s AND tradeline_id = %s",
        (world.subject_id, world.tradeline_id),
    ).fetchone()
    assert row is not None
    return row["compliance_condition"]


@pytest.fixture
def world(conn: psycopg.Connection[Any], vault: Vault) -> World:
    return build_world(conn, vault)


@pytest.fixture
def committed_world(pool: ConnectionPool, vault: Vault) -> World:
    with transaction(pool) as connection:
        return build_world(connection, vault)


class Clock:
    """The app's clock for one test: starts at T0, moved with `set` or `advance`."""

    def __init__(self, app: FastAPI) -> None:
        self.now = T0
        self._app = app
        app.dependency_overrides[routes.clock] = lambda: self.now

    def set(self, when: datetime) -> None:
        self.now = when

    def advance(self, **delta: float) -> None:
        self.now = self.now + timedelta(**delta)


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    c = Clock(app)
    yield c
    app.dependency_overrides.pop(routes.clock, None)


Builder = Callable[..., World]
