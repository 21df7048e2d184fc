"""Whoever opens the bureau's address finds where to start, without a credential."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bureau.api.front_page import ENTRY_POINTS


def test_front_page_links_the_portal_and_the_api_docs(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = re.findall(r'href="([^"]+)"', response.text)
    assert "/portal/" in links and "/docs" in links and "/openapi.json" in links


def test_every_entry_point_on_the_front_page_answers_without_a_credential(
    client: TestClient,
) -> None:
    for path, _, _ in ENTRY_POINTS:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.status_code)


def test_front_page_is_not_an_operation_of_the_api(client: TestClient) -> None:
    assert "/" not in client.get("/openapi.json").json()["paths"]
