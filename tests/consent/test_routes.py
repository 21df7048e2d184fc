"""The subject's consent controls over HTTP: grants with signed receipts, freezes, alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bureau.signing import load_public_keys
from consent import receipts
from tests.consent.conftest import Org, Person

PROBLEM = "https://fairfile.dev/problems/"


def grant(client: TestClient, person: Person, org: Org, **body: object) -> dict[str, Any]:
    payload = {"requester_org_id": str(org.org_id), "purpose": "credit-transaction", **body}
    response = client.post("/v1/me/consents", json=payload, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_keys_are_published_without_authentication(client: TestClient) -> None:
    keys = client.get("/v1/keys").json()
    assert keys["keys"][0]["kty"] == "OKP" and keys["keys"][0]["alg"] == "EdDSA"


def test_a_grant_comes_with_a_receipt_that_verifies_with_the_published_key(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen, scope="full", max_uses=2)
    keys = load_public_keys(client.get("/v1/keys").text)
    receipt = receipts.verify(made["receipt"], keys)
    assert str(receipt.grant_id) == made["grant_id"]
    assert receipt.subject_id == person.subject_id and receipt.requester_org_id == lumen.org_id
    assert (receipt.purpose, receipt.scope, receipt.max_uses) == ("credit-transaction", "full", 2)
    assert receipt.requester_name == "Lumen Lending"
    assert made["status"] == "active"


def test_a_grant_lasts_a_year_at_most(client: TestClient, person: Person, lumen: Org) -> None:
    too_long = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    response = client.post(
        "/v1/me/consents",
        json={"requester_org_id": str(lumen.org_id), "purpose": "collection",
              "expires_at": too_long},
        headers=person.headers,
    )  # fmt: skip
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == PROBLEM + "invalid-grant" and problem["field"] == "expires_at"


def test_a_grant_names_a_permissible_purpose_and_a_requester_that_pulls(
    client: TestClient, person: Person, lumen: Org, sandbox: object
) -> None:
    bad = client.post(
        "/v1/me/consents",
        json={"requester_org_id": str(lumen.org_id), "purpose": "marketing"},
        headers=person.headers,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "purpose"
    furnisher_only = sandbox.org_keys["cedar-mortgage"]["org_id"]  # type: ignore[attr-defined]
    bad = client.post(
        "/v1/me/consents",
        json={"requester_org_id": furnisher_only, "purpose": "collection"},
        headers=person.headers,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "requester_org_id"


def test_grants_are_listed_and_revoked_at_once_with_a_revocation_receipt(
    client: TestClient, person: Person, lumen: Org
) -> None:
    kept = grant(client, person, lumen)
    dropped = grant(client, person, lumen, purpose="tenant-screening", recurring=True,
                    max_uses=None)  # fmt: skip
    listed = client.get("/v1/me/consents", headers=person.headers).json()["grants"]
    assert {g["grant_id"] for g in listed} == {kept["grant_id"], dropped["grant_id"]}

    revoked = client.delete(f"/v1/me/consents/{dropped['grant_id']}", headers=person.headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    keys = load_public_keys(client.get("/v1/keys").text)
    proof = receipts.verify(revoked.json()["revocation_receipt"], keys)
    assert proof.event == "revoked" and str(proof.grant_id) == dropped["grant_id"]
    again = client.delete(f"/v1/me/consents/{dropped['grant_id']}", headers=person.headers)
    assert again.json()["revocation_receipt"] == revoked.json()["revocation_receipt"]

    active = client.get("/v1/me/consents", headers=person.headers).json()["grants"]
    assert [g["grant_id"] for g in active] == [kept["grant_id"]]
    everything = client.get("/v1/me/consents?all=true", headers=person.headers).json()["grants"]
    assert len(everything) == 2


def test_a_subject_cannot_see_or_revoke_another_subjects_grant(
    client: TestClient, person: Person, lumen: Org, sandbox: object
) -> None:
    made = grant(client, person, lumen)
    other = {"Authorization": "Bearer " + sandbox.personas["thin-file"]["token"]}  # type: ignore[attr-defined]
    assert client.get(f"/v1/me/consents/{made['grant_id']}", headers=other).status_code == 404
    response = client.delete(f"/v1/me/consents/{made['grant_id']}", headers=other)
    assert response.status_code == 404 and response.json()["type"] == PROBLEM + "grant-not-found"


def test_freeze_is_placed_and_lifted_at_once(client: TestClient, person: Person) -> None:
    assert client.get("/v1/me/freeze", headers=person.headers).json()["frozen"] is False
    placed = client.put("/v1/me/freeze", headers=person.headers)
    assert placed.status_code == 200 and placed.json()["frozen"] is True
    twice = client.put("/v1/me/freeze", headers=person.headers)
    assert twice.status_code == 409 and twice.json()["type"] == PROBLEM + "already-frozen"
    lifted = client.delete("/v1/me/freeze", headers=person.headers)
    assert lifted.json()["frozen"] is False
    assert client.delete("/v1/me/freeze", headers=person.headers).status_code == 409


def test_a_thaw_is_for_a_requester_or_a_window(
    client: TestClient, person: Person, lumen: Org
) -> None:
    client.put("/v1/me/freeze", headers=person.headers)
    forever = client.post("/v1/me/freeze/thaws", json={}, headers=person.headers)
    assert forever.status_code == 422 and forever.json()["field"] == "ends_at"
    thawed = client.post(
        "/v1/me/freeze/thaws", json={"requester_org_id": str(lumen.org_id)}, headers=person.headers
    )
    assert thawed.status_code == 201
    (thaw,) = thawed.json()["thaws"]
    assert thaw["in_effect"] and thaw["requester"]["name"] == "Lumen Lending"
    cancelled = client.delete(f"/v1/me/freeze/thaws/{thaw['thaw_id']}", headers=person.headers)
    assert cancelled.json()["thaws"][0]["in_effect"] is False


def test_fraud_alerts_last_as_the_law_says_and_keep_the_contact_private(
    client: TestClient, person: Person
) -> None:
    placed = client.post(
        "/v1/me/fraud-alerts",
        json={"kind": "active_duty", "contact": "+1 217 555 0199"},
        headers=person.headers,
    )
    assert placed.status_code == 201
    alert = placed.json()
    days = (datetime.fromisoformat(alert["expires_at"]) - datetime.fromisoformat(
        alert["placed_at"])).days  # fmt: skip
    assert days == 365 and alert["contact"] == "+1 217 555 0199"
    extended = client.post("/v1/me/fraud-alerts", json={"kind": "extended"}, headers=person.headers)
    assert extended.status_code == 422 and extended.json()["field"] == "identity_theft_report"
    listed = client.get("/v1/me/fraud-alerts", headers=person.headers).json()["alerts"]
    assert [a["contact"] for a in listed] == ["+1 217 555 0199"]
    removed = client.delete(f"/v1/me/fraud-alerts/{alert['alert_id']}", headers=person.headers)
    assert removed.status_code == 204
    listed = client.get("/v1/me/fraud-alerts", headers=person.headers).json()["alerts"]
    assert listed[0]["active"] is False


def test_consent_endpoints_need_the_subjects_token(client: TestClient, lumen: Org) -> None:
    assert client.get("/v1/me/consents").status_code == 401
    assert client.get("/v1/me/consents", headers=lumen.headers).status_code == 403


def test_the_full_disclosure_shows_active_grants_the_freeze_and_the_access_log(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = grant(client, person, lumen)
    revoked = grant(client, person, lumen, purpose="collection")
    client.delete(f"/v1/me/consents/{revoked['grant_id']}", headers=person.headers)
    client.put("/v1/me/freeze", headers=person.headers)
    client.post("/v1/me/fraud-alerts", json={"kind": "initial"}, headers=person.headers)
    disclosure = client.get("/v1/me/file", headers=person.headers).json()
    assert [g["grant_id"] for g in disclosure["consent_grants"]] == [made["grant_id"]]
    assert disclosure["freeze"]["frozen"] is True
    assert [a["kind"] for a in disclosure["fraud_alerts"]] == ["initial"]
    log = disclosure["access_log"]
    assert [e["event"] for e in log["entries"][:3]] == [
        "fraud_alert.placed",
        "freeze.placed",
        "consent.revoked",
    ]
    assert log["tree_head"]["tree_size"] > log["entries"][0]["leaf_index"]
    assert all(e["inclusion_proof"] for e in log["entries"])
