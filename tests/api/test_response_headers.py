"""A 405 says which methods the path takes; what may carry personal data is never cached."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.consent.conftest import Person


def test_405_lists_every_method_of_the_path_not_only_the_first_routes(client: TestClient) -> None:
    answer = client.post("/v1/me/freeze")  # GET, PUT and DELETE are three routes
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["allow"] == "DELETE, GET, PUT"


def test_a_subjects_file_and_a_problem_are_no_store(client: TestClient, person: Person) -> None:
    file = client.get("/v1/me/file", headers=person.headers)
    refused = client.get("/v1/me/file")
    assert file.status_code == 200 and file.headers["cache-control"] == "no-store"
    assert refused.headers["cache-control"] == "no-store"


def test_public_keys_keep_their_own_caching(client: TestClient) -> None:
    assert client.get("/v1/keys").headers.get("cache-control") != "no-store"
