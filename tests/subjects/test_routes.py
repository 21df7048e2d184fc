"""The erasure right over HTTP: the subject closes and reopens, the operator records a
verified closure and shreds; after shredding every read answers 410 `file-shredded`, and no
page, inbox or letter breaks on the undecryptable ciphertext left behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.consent.conftest import Org, Person
from tests.web.portal import PAGES, csrf_of, sign_in

PROBLEM = "https://fairfile.dev/problems/"


def _type(response: Any) -> str:
    return str(response.json()["type"]).removeprefix(PROBLEM)


def _dispute(client: TestClient, person: Person) -> dict[str, Any]:
    body = {
        "item": {"kind": "account", "id": str(person.northwind_tradeline),
                 "field": "current_balance"},
        "reason": "inaccurate-balance",
        "description": "I paid the card off in October.",
    }  # fmt: skip
    response = client.post("/v1/me/disputes", json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def test_the_subject_closes_sees_the_shred_date_and_reopens(
    client: TestClient, person: Person
) -> None:
    assert client.get("/v1/me/file/closure", headers=person.headers).json()["status"] == "active"
    closed = client.post("/v1/me/file/closure", headers=person.headers)
    assert closed.status_code == 201
    state = closed.json()
    assert state["status"] == "closed" and state["shred_due_at"] > state["closed_at"]
    assert client.get("/v1/me/file/closure", headers=person.headers).json() == state
    twice = client.post("/v1/me/file/closure", headers=person.headers)
    assert twice.status_code == 409 and _type(twice) == "file-closed"
    assert datetime.fromisoformat(state["closed_at"]).isoformat() in twice.json()["detail"]
    reopened = client.delete("/v1/me/file/closure", headers=person.headers)
    assert reopened.status_code == 200 and reopened.json()["status"] == "active"
    again = client.delete("/v1/me/file/closure", headers=person.headers)
    assert again.status_code == 409 and _type(again) == "file-not-closed"


def test_closing_needs_a_subject_token(client: TestClient, lumen: Org) -> None:
    assert client.post("/v1/me/file/closure").status_code == 401
    assert client.post("/v1/me/file/closure", headers=lumen.headers).status_code == 403


def test_the_operator_closes_on_a_verified_request_and_shreds_only_closed_files(
    client: TestClient, person: Person, operator: Org, lumen: Org
) -> None:
    base = f"/v1/operator/subjects/{person.subject_id}"
    early = client.post(f"{base}/shred", headers=operator.headers)
    assert early.status_code == 409 and _type(early) == "file-not-closed"
    unnamed = client.post(f"{base}/closure", json={}, headers=operator.headers)
    assert unnamed.status_code == 422 and "request_ref" in unnamed.text
    not_operator = client.post(f"{base}/closure", json={"request_ref": "LTR-7"},
                               headers=lumen.headers)  # fmt: skip
    assert not_operator.status_code == 403
    unknown = client.post("/v1/operator/subjects/00000000-0000-4000-8000-000000000000/closure",
                          json={"request_ref": "LTR-7"}, headers=operator.headers)  # fmt: skip
    assert unknown.status_code == 404 and _type(unknown) == "subject-not-found"

    closed = client.post(f"{base}/closure", json={"request_ref": "LTR-7"},
                         headers=operator.headers)  # fmt: skip
    assert closed.status_code == 201 and closed.json()["status"] == "closed"
    shredded = client.post(f"{base}/shred", headers=operator.headers)
    assert shredded.status_code == 200, shredded.text
    assert shredded.json()["status"] == "shredded" and shredded.json()["identities"] > 0
    twice = client.post(f"{base}/shred", headers=operator.headers)
    assert twice.status_code == 410 and _type(twice) == "file-shredded"


def test_after_shredding_every_read_answers_gone_and_nothing_breaks(
    client: TestClient, browser: TestClient, person: Person, operator: Org, northwind: Org,
    lumen: Org,
) -> None:  # fmt: skip
    dispute = _dispute(client, person)
    granted = client.post("/v1/me/consents", headers=person.headers, json={
        "requester_org_id": str(lumen.org_id), "purpose": "credit-transaction"})  # fmt: skip
    pulled = client.post("/v1/reports", headers=lumen.headers, json={
        "grant_id": granted.json()["grant_id"], "purpose": "credit-transaction"})  # fmt: skip
    assert pulled.status_code == 201, pulled.text
    sign_in(browser, person.token)
    assert browser.get("/portal/file").status_code == 200
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code == 201
    # closed, not yet shredded: the subject still reads everything, in the portal too
    assert client.get("/v1/me/file", headers=person.headers).status_code == 200
    for page in PAGES:
        assert browser.get(page).status_code == 200, page
    shred = client.post(f"/v1/operator/subjects/{person.subject_id}/shred",
                        headers=operator.headers)  # fmt: skip
    assert shred.status_code == 200 and shred.json()["disputes_ended"] == 1

    for path in ("/v1/me/file", "/v1/me/file/closure", "/v1/me/score", "/v1/me/disputes",
                 "/v1/me/notices", "/v1/me/consents", "/v1/me/access-log",
                 f"/v1/me/disputes/{dispute['dispute_id']}"):  # fmt: skip
        gone = client.get(path, headers=person.headers)
        assert gone.status_code == 410 and _type(gone) == "file-shredded", path
    # the portal's session ended with the file: the subject is sent to sign in again
    page = browser.get("/portal/file", follow_redirects=False)
    assert page.status_code == 303 and "/portal/signin" in page.headers["location"]
    form = browser.get("/portal/signin")
    signin = browser.post("/portal/signin", follow_redirects=False,
                          data={"token": person.token, "csrf": csrf_of(form.text)})  # fmt: skip
    assert signin.status_code == 410 and "erased" in signin.text
    # the furnisher's inbox no longer holds the erased file's dispute, and its case is gone
    inbox = client.get("/v1/furnisher/disputes?state=all", headers=northwind.headers)
    assert inbox.status_code == 200
    assert dispute["dispute_id"] not in inbox.text
    case = client.get(f"/v1/furnisher/disputes/{dispute['dispute_id']}",
                      headers=northwind.headers)  # fmt: skip
    assert case.status_code == 410 and _type(case) == "file-shredded"
    # a lender that pulled before the erasure has nobody left to send its notice to
    notice = client.post("/v1/notices/adverse-action", headers=lumen.headers, json={
        "report_id": pulled.json()["report_id"], "action": "credit-denied",
        "reasons": ["Too little income for the amount requested"]})  # fmt: skip
    assert notice.status_code == 410 and _type(notice) == "file-shredded"
