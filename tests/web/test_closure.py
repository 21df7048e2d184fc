"""Closing one's file from the portal (the freeze page): confirmed first, shown with the date
it will be erased, and reopened from the same page; the file stays readable while closed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bureau.policy.regime import live_rules
from tests.web.conftest import Person
from tests.web.portal import csrf_of, sign_in


def _post(client: TestClient, action: str, **fields: str) -> object:
    csrf = csrf_of(client.get("/portal/freeze").text)
    return client.post(action, data={"csrf": csrf, **fields}, follow_redirects=False)


def test_the_subject_closes_their_file_on_the_page_after_confirming_and_can_reopen_it(
    browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    days = live_rules().erasure.shred_after_closure_days
    page = browser_client.get("/portal/freeze").text
    assert "Close my file" in page and f"erased after {days} days" in page

    unconfirmed = _post(browser_client, "/portal/freeze/close")
    assert unconfirmed.status_code == 422  # type: ignore[attr-defined]
    assert "tick the box" in unconfirmed.text  # type: ignore[attr-defined]
    assert browser_client.get("/v1/me/file/closure", headers=person.headers).json()[
        "status"] == "active"  # fmt: skip

    closed = _post(browser_client, "/portal/freeze/close", confirm="yes")
    assert closed.status_code == 303  # type: ignore[attr-defined]
    state = browser_client.get("/v1/me/file/closure", headers=person.headers).json()
    assert state["status"] == "closed"
    page = browser_client.get("/portal/freeze").text
    assert "Your file is closed" in page and state["shred_due_at"][:10] in page
    assert browser_client.get("/portal/file").status_code == 200  # still theirs to read
    assert "Your file was closed" in browser_client.get("/portal/access-log").text

    reopened = _post(browser_client, "/portal/freeze/reopen")
    assert reopened.status_code == 303  # type: ignore[attr-defined]
    assert browser_client.get("/v1/me/file/closure", headers=person.headers).json()[
        "status"] == "active"  # fmt: skip
