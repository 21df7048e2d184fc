"""After a pull, the user sends an adverse-action notice; it reaches the subject's notices."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult
from bureau.subjects.enrolment import IdentityClaim
from bureau.vault import Vault
from tests.conftest import bearer, enrol_with_accounts, random_national_id


@dataclass(frozen=True)
class Applicant:
    subject_id: UUID
    name: str
    headers: dict[str, str]


@pytest.fixture
def applicant(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Applicant:
    """A newly enrolled subject with one nearly maxed-out card at Northwind."""
    name = f"Applicant {secrets.token_hex(3)}"
    claim = IdentityClaim(
        name=name, national_id=random_national_id(), dob=date(1985, 3, 9),
        addresses=["5 Test Ave, Springfield IL 62701"], phones=["2175550111"],
    )  # fmt: skip
    subject_id, token, _ = enrol_with_accounts(
        pool, vault, sandbox, claim, AccountSpec("northwind", "card", 30, 5000, 4900)
    )
    return Applicant(subject_id, name, bearer(token))


def _pull(
    client: TestClient, applicant: Applicant, sandbox: SeedResult, org: str
) -> dict[str, Any]:
    grant = client.post(
        "/v1/me/consents",
        json={"requester_org_id": sandbox.org_keys[org]["org_id"], "purpose": "credit-transaction"},
        headers=applicant.headers,
    )
    assert grant.status_code == 201, grant.text
    pulled = client.post(
        "/v1/reports",
        json={"grant_id": grant.json()["grant_id"], "purpose": "credit-transaction"},
        headers=bearer(sandbox.org_keys[org]["key"]),
    )
    assert pulled.status_code == 201, pulled.text
    body: dict[str, Any] = pulled.json()
    return body


def _send(client: TestClient, sandbox: SeedResult, org: str, report_id: str) -> Any:
    return client.post(
        "/v1/notices/adverse-action",
        json={"report_id": report_id, "action": "credit-denied",
              "reasons": ["Too little income for the amount requested"]},
        headers=bearer(sandbox.org_keys[org]["key"]),
    )  # fmt: skip


def test_a_report_carries_the_score_with_its_points(
    client: TestClient, applicant: Applicant, sandbox: SeedResult
) -> None:
    score = _pull(client, applicant, sandbox, "lumen")["report"]["score"]
    assert score["version"] == "fairfile-fin-2"
    assert score["score"] == score["base"] + sum(a["points"] for a in score["attributes"])


def test_the_notice_states_the_score_released_with_the_report_and_reaches_the_subject(
    client: TestClient, applicant: Applicant, sandbox: SeedResult
) -> None:
    pulled = _pull(client, applicant, sandbox, "lumen")
    sent = _send(client, sandbox, "lumen", pulled["report_id"])
    assert sent.status_code == 201, sent.text
    notice = sent.json()
    released = pulled["report"]["score"]
    assert notice["score"]["score"] == released["score"]
    assert [f["code"] for f in notice["score"]["key_factors"]] == [
        r["code"] for r in released["reasons"]
    ]
    assert notice["from"]["name"] == "Lumen Lending"
    assert notice["bureau"]["did_not_decide"]

    mine = client.get("/v1/me/notices", headers=applicant.headers).json()["notices"]
    assert [n["notice_id"] for n in mine if n["kind"] == "adverse-action"] == [notice["notice_id"]]
    letter = client.get(notice["letter"], headers=applicant.headers)
    assert letter.status_code == 200 and letter.headers["content-type"].startswith("text/html")
    assert f"Dear {applicant.name}" in letter.text
    assert str(released["score"]) in letter.text


def test_the_subject_name_is_not_stored_in_the_notice(
    client: TestClient, applicant: Applicant, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    pulled = _pull(client, applicant, sandbox, "lumen")
    assert _send(client, sandbox, "lumen", pulled["report_id"]).status_code == 201
    with pool.connection() as conn:
        rows = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT body::text AS body FROM notices WHERE subject_id = %s",
                (applicant.subject_id,),
            )
            .fetchall()
        )
    assert rows and all(applicant.name not in r["body"] for r in rows)


def test_only_the_user_that_pulled_the_report_can_send_a_notice_and_only_once(
    client: TestClient, applicant: Applicant, sandbox: SeedResult
) -> None:
    pulled = _pull(client, applicant, sandbox, "lumen")
    other = _send(client, sandbox, "oakridge", pulled["report_id"])
    assert other.status_code == 404 and other.json()["field"] == "report_id"
    assert _send(client, sandbox, "lumen", pulled["report_id"]).status_code == 201
    again = _send(client, sandbox, "lumen", pulled["report_id"])
    assert again.status_code == 409


def test_a_notice_without_specific_reasons_is_refused_and_nothing_is_stored(
    client: TestClient, applicant: Applicant, sandbox: SeedResult
) -> None:
    pulled = _pull(client, applicant, sandbox, "lumen")
    refused = client.post(
        "/v1/notices/adverse-action",
        json={"report_id": pulled["report_id"], "action": "credit-denied", "reasons": []},
        headers=bearer(sandbox.org_keys["lumen"]["key"]),
    )
    assert refused.status_code == 422 and refused.json()["field"] == "reasons"
    assert client.get("/v1/me/notices", headers=applicant.headers).json()["notices"] == []
    furnisher_only = client.post(
        "/v1/notices/adverse-action",
        json={"report_id": pulled["report_id"], "action": "credit-denied", "reasons": ["x"]},
        headers=bearer(sandbox.org_keys["cedar-mortgage"]["key"]),
    )
    assert furnisher_only.status_code == 403
