"""A closed file is released to no one, on every release path; an erased one answers 410.
The subject still reads their own disclosure until the file is shredded."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from bureau.signing import SigningKey
from bureau.vault import Vault
from consent.decision import AccessRequest, Requester, RequesterKind, decide
from consent.errors import FileClosedDenied
from tests.consent.conftest import Org, Person
from tests.consent.pulls import pull_on_loop
from tests.consent.test_reports import pull
from tests.consent.test_routes import grant

PROBLEM = "https://fairfile.dev/problems/"
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _compelled(client: TestClient, person: Person, operator: Org) -> object:
    body = {"subject_id": str(person.subject_id), "court_order_ref": "2026-CV-0042",
            "recipient": "Clerk of Court"}  # fmt: skip
    return client.post("/v1/operator/compelled-reports", json=body, headers=operator.headers)


def test_closed_file_is_released_to_no_one(
    client: TestClient, person: Person, lumen: Org, northwind: Org, operator: Org
) -> None:
    full = grant(client, person, lumen, max_uses=2)["grant_id"]
    score_only = grant(client, person, northwind, scope="score")["grant_id"]
    assert pull(client, lumen, full).status_code == 201
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code == 201

    for org, grant_id, scope in ((lumen, full, "full"), (northwind, score_only, "score")):
        refused = pull(client, org, grant_id, scope=scope)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == PROBLEM + "file-closed"
    court = _compelled(client, person, operator)
    assert court.status_code == 403 and court.json()["type"] == PROBLEM + "file-closed"  # type: ignore[attr-defined]
    # a new grant could never be used: refused at once
    again = client.post("/v1/me/consents", headers=person.headers,
                        json={"requester_org_id": str(lumen.org_id),
                              "purpose": "credit-transaction"})  # fmt: skip
    assert again.status_code == 409 and again.json()["type"] == PROBLEM + "file-closed"
    # the subject still reads their file, with the pull made before the closure
    mine = client.get("/v1/me/file", headers=person.headers)
    assert mine.status_code == 200
    assert any(i.get("kind") == "hard" for i in mine.json()["inquiries"])

    # reopened, the same grant releases again
    assert client.delete("/v1/me/file/closure", headers=person.headers).status_code == 200
    assert pull(client, lumen, full).status_code == 201


def test_a_shredded_file_answers_gone_on_every_release_path(
    client: TestClient, person: Person, lumen: Org, operator: Org
) -> None:
    full = grant(client, person, lumen)["grant_id"]
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code == 201
    shred = client.post(f"/v1/operator/subjects/{person.subject_id}/shred",
                        headers=operator.headers)  # fmt: skip
    assert shred.status_code == 200, shred.text
    gone = pull(client, lumen, full)
    assert gone.status_code == 410 and gone.json()["type"] == PROBLEM + "file-shredded"
    court = _compelled(client, person, operator)
    assert court.status_code == 410  # type: ignore[attr-defined]


def test_the_file_state_is_decided_before_anything_else() -> None:
    subject = uuid4()
    user = Requester(RequesterKind.USER, org_id=uuid4())
    court = Requester(RequesterKind.COURT, court_order_ref="2026-CV-1")
    own = Requester(RequesterKind.SUBJECT)

    def reason(requester: Requester, status: str, purpose: str = "credit-transaction") -> str:
        return decide(AccessRequest(requester, subject, purpose, "full", NOW,
                                    file_status=status)).reason  # fmt: skip

    assert reason(user, "closed") == "file-closed"  # not "no-grant": the file comes first
    assert reason(court, "closed", "court-order") == "file-closed"
    assert reason(own, "closed") == "own-access"  # the subject reads until it is shredded
    for requester in (user, court, own):
        assert reason(requester, "shredded", "court-order") == "file-shredded"
    assert reason(user, "active") == "no-grant"


def test_a_pull_outside_the_api_refuses_a_closed_file_too(
    client: TestClient, database_url: str, vault: Vault, person: Person, lumen: Org
) -> None:
    grant_id = UUID(grant(client, person, lumen)["grant_id"])
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code == 201
    key = SigningKey.from_seed(b"\x03" * 32)
    args = (vault, key, lumen.org_id, "Lumen Lending", grant_id, "credit-transaction", "full",
            False, datetime.now(UTC))  # fmt: skip
    with pytest.raises(FileClosedDenied):
        pull_on_loop(database_url, *args)
