"""A subject's grants come in pages with an opaque cursor: every grant once, newest first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.consent.conftest import Org, Person


def _grant(client: TestClient, person: Person, lumen: Org) -> str:
    response = client.post(
        "/v1/me/consents",
        json={"requester_org_id": str(lumen.org_id), "purpose": "credit-transaction"},
        headers=person.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["grant_id"])


def test_grants_page_through_every_grant_once_newest_first(
    client: TestClient, person: Person, lumen: Org
) -> None:
    made = [_grant(client, person, lumen) for _ in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/me/consents", params=params, headers=person.headers).json()
        assert len(body["grants"]) <= 2
        seen += [g["grant_id"] for g in body["grants"]]
        cursor = body["page"]["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_the_active_filter_and_the_pages_agree(
    client: TestClient, person: Person, lumen: Org
) -> None:
    kept, revoked = _grant(client, person, lumen), _grant(client, person, lumen)
    client.delete(f"/v1/me/consents/{revoked}", headers=person.headers)
    active = client.get("/v1/me/consents", params={"limit": 1}, headers=person.headers).json()
    assert [g["grant_id"] for g in active["grants"]] == [kept]
    assert active["page"]["next_cursor"] is None
    every = client.get("/v1/me/consents", params={"all": True}, headers=person.headers).json()
    assert {g["grant_id"]: g["status"] for g in every["grants"]} == {
        kept: "active",
        revoked: "revoked",
    }


def test_a_cursor_this_api_never_returned_is_refused_naming_it(
    client: TestClient, person: Person
) -> None:
    response = client.get("/v1/me/consents", params={"cursor": "bm90LWEtY3Vyc29y"},
                          headers=person.headers)  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "cursor"
    response = client.get("/v1/me/consents", params={"limit": 0}, headers=person.headers)
    assert response.status_code == 422 and response.json()["field"] == "limit"
