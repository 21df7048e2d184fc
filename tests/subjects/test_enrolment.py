"""Enrolment: a person gets one file; someone already known is matched, not duplicated."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer

PERSON = {
    "name": "Nadia Farouk",
    "national_id": "219-09-9999",
    "dob": "1988-04-17",
    "addresses": ["5 Cedar Court, Burlington VT 05401"],
}


def test_enrolled_person_gets_a_token_that_opens_their_own_empty_file(
    client: TestClient, sandbox: SeedResult
) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    enrolled = client.post("/v1/operator/subjects", json=PERSON, headers=operator)
    assert enrolled.status_code == 201, enrolled.text
    body = enrolled.json()
    file = client.get("/v1/me/file", headers=bearer(body["token"])).json()
    assert file["subject_id"] == body["subject_id"]
    assert file["identity"]["names"] == ["Nadia Farouk"]
    assert file["identity"]["national_ids"] == ["219-09-9999"]
    assert file["tradelines"] == []


def test_enrolling_the_same_person_again_matches_the_existing_file(
    client: TestClient, sandbox: SeedResult
) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    person = {**PERSON, "name": "Nadia F. Farouk", "national_id": "219099998"}
    first = client.post("/v1/operator/subjects", json=person, headers=operator).json()
    again = client.post(
        "/v1/operator/subjects",
        json={**person, "national_id": "219-09-9998", "addresses": []},
        headers=operator,
    ).json()
    assert first["created"] is True and again["created"] is False
    assert again["subject_id"] == first["subject_id"]


def test_enrolment_with_a_future_date_of_birth_is_refused_naming_the_field(
    client: TestClient, sandbox: SeedResult
) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    response = client.post(
        "/v1/operator/subjects", json={**PERSON, "dob": "2999-01-01"}, headers=operator
    )
    assert response.status_code == 422 and response.json()["field"] == "dob"


def test_enrolment_with_a_malformed_national_id_is_refused_naming_the_field(
    client: TestClient, sandbox: SeedResult
) -> None:
    operator = bearer(sandbox.org_keys["operator"]["key"])
    response = client.post(
        "/v1/operator/subjects", json={**PERSON, "national_id": "12-34"}, headers=operator
    )
    assert response.status_code == 422 and response.json()["field"] == "national_id"


def test_only_the_operator_may_enrol(client: TestClient, sandbox: SeedResult) -> None:
    response = client.post(
        "/v1/operator/subjects", json=PERSON, headers=bearer(sandbox.org_keys["northwind"]["key"])
    )
    assert response.status_code == 403
