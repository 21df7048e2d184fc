"""Using each right from the portal: the same services as the API, only ever on one's own file."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bureau.audit.access_log import subject_log
from bureau.audit.own_log import verify_published
from bureau.sandbox.seed import SeedResult
from bureau.signing import SigningKey, load_public_keys
from bureau.web.wording import long_date
from consent import receipts
from tests.conftest import bearer
from tests.web.conftest import Person
from tests.web.portal import PAGES, csrf_of, sign_in


def _post(client: TestClient, page: str, action: str, **fields: str) -> object:
    csrf = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": csrf, **fields}, follow_redirects=False)


def _pull(client: TestClient, sandbox: SeedResult, grant_id: str) -> object:
    body = {"grant_id": grant_id, "purpose": "credit-transaction", "scope": "full"}
    return client.post("/v1/reports", json=body, headers=bearer(sandbox.org_keys["lumen"]["key"]))


def _grant_ids(html: str) -> list[str]:
    return re.findall(r'id="grant-([0-9a-f-]{36})"', html)


def test_a_consent_granted_on_the_page_lets_the_lender_pull_until_it_is_revoked(
    browser_client: TestClient, person: Person, sandbox: SeedResult, client: TestClient
) -> None:
    sign_in(browser_client, person.token)
    lumen = sandbox.org_keys["lumen"]["org_id"]
    response = _post(browser_client, "/portal/consents", "/portal/consents", requester=lumen,
                     purpose="credit-transaction", scope="full", use="recurring")  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = browser_client.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "Consent granted" in page and "Lumen Lending" in page
    (grant_id,) = _grant_ids(page)

    receipt = browser_client.get(f"/portal/consents/{grant_id}/receipt")
    assert "attachment" in receipt.headers["content-disposition"]
    keys = load_public_keys(client.get("/v1/keys").text)
    assert str(receipts.verify(receipt.text, keys).grant_id) == grant_id

    assert _pull(client, sandbox, grant_id).status_code == 201  # type: ignore[attr-defined]
    response = _post(browser_client, "/portal/consents", f"/portal/consents/{grant_id}/revoke")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert "revoked" in browser_client.get("/portal/consents").text
    refused = _pull(client, sandbox, grant_id)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert refused.json()["type"].endswith("grant-revoked")  # type: ignore[attr-defined]


def test_a_bad_grant_form_is_refused_on_the_page_naming_the_field(
    browser_client: TestClient, person: Person, sandbox: SeedResult
) -> None:
    sign_in(browser_client, person.token)
    response = _post(browser_client, "/portal/consents", "/portal/consents",
                     requester=sandbox.org_keys["lumen"]["org_id"], purpose="curiosity")  # fmt: skip
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "purpose" in response.text  # type: ignore[attr-defined]
    assert _grant_ids(browser_client.get("/portal/consents").text) == []


def test_freeze_refuses_every_pull_and_unfreeze_restores_the_grant(
    browser_client: TestClient, person: Person, sandbox: SeedResult, client: TestClient
) -> None:
    sign_in(browser_client, person.token)
    _post(browser_client, "/portal/consents", "/portal/consents",
          requester=sandbox.org_keys["lumen"]["org_id"], purpose="credit-transaction",
          use="recurring")  # fmt: skip
    (grant_id,) = _grant_ids(browser_client.get("/portal/consents").text)

    assert _post(browser_client, "/portal/freeze", "/portal/freeze/place").status_code == 303  # type: ignore[attr-defined]
    assert "Your file is frozen" in browser_client.get("/portal/freeze").text
    refused = _pull(client, sandbox, grant_id)
    assert refused.json()["type"].endswith("file-frozen")  # type: ignore[attr-defined]

    thaw = _post(browser_client, "/portal/freeze", "/portal/freeze/thaws",
                 requester=sandbox.org_keys["lumen"]["org_id"])  # fmt: skip
    assert thaw.status_code == 303  # type: ignore[attr-defined]
    assert _pull(client, sandbox, grant_id).status_code == 201  # type: ignore[attr-defined]

    assert _post(browser_client, "/portal/freeze", "/portal/freeze/lift").status_code == 303  # type: ignore[attr-defined]
    assert "Your file is not frozen" in browser_client.get("/portal/freeze").text
    again = _post(browser_client, "/portal/freeze", "/portal/freeze/lift")
    assert again.status_code == 409 and "not frozen" in again.text  # type: ignore[attr-defined]


def test_a_fraud_alert_placed_on_the_page_shows_on_the_file(
    browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    refused = _post(browser_client, "/portal/freeze", "/portal/alerts", kind="extended")
    assert refused.status_code == 422 and "identity-theft" in refused.text  # type: ignore[attr-defined]
    placed = _post(browser_client, "/portal/freeze", "/portal/alerts", kind="initial",
                   contact="2175550123")  # fmt: skip
    assert placed.status_code == 303  # type: ignore[attr-defined]
    assert "initial fraud alert" in browser_client.get("/portal/file").text


def test_disputing_an_account_from_its_row_shows_the_answer_due_date(
    browser_client: TestClient, person: Person, client: TestClient
) -> None:
    sign_in(browser_client, person.token)
    file_page = browser_client.get("/portal/file").text
    link = f"/portal/disputes/new?item={person.card}"
    assert link in file_page
    form = browser_client.get(link)
    assert "Dispute: Credit card from Northwind Bank" in form.text
    response = browser_client.post("/portal/disputes", follow_redirects=False, data={
        "csrf": csrf_of(form.text), "item": str(person.card), "reason": "inaccurate-late",
        "description": "I paid on time in July; my bank statement shows it."})  # fmt: skip
    assert response.status_code == 303

    (dispute,) = client.get("/v1/me/disputes", headers=person.headers).json()["disputes"]
    due = dispute["due_on"]
    page = browser_client.get(response.headers["location"]).text
    assert f'<strong class="due">{long_date(date.fromisoformat(due))}</strong>' in page
    assert "Dispute received" in page
    assert 'class="badge disputed"' in browser_client.get("/portal/file").text

    again = browser_client.post("/portal/disputes", data={
        "csrf": csrf_of(form.text), "item": str(person.card), "reason": "inaccurate-late"})  # fmt: skip
    assert again.status_code == 409 and "still open" in again.text

    added = _post(browser_client, "/portal/disputes", f"/portal/disputes/{dispute['dispute_id']}/information",
                  text="Statement for July attached by post.")  # fmt: skip
    assert added.status_code == 303  # type: ignore[attr-defined]
    statement = _post(browser_client, "/portal/disputes", f"/portal/disputes/{dispute['dispute_id']}/statement",
                      text="I have never paid this card late.")  # fmt: skip
    assert statement.status_code == 303  # type: ignore[attr-defined]
    assert "I have never paid this card late." in browser_client.get("/portal/file").text


def test_my_score_page_shows_the_points_that_add_up_to_the_apis_score(
    browser_client: TestClient, person: Person, client: TestClient
) -> None:
    sign_in(browser_client, person.token)
    api = client.get("/v1/me/score", headers=person.headers).json()
    page = browser_client.get("/portal/score").text
    assert f'<p class="big-score">{api["score"]}</p>' in page
    for attribute in api["attributes"]:
        assert attribute["title"] in page
    outcome = _post(browser_client, "/portal/score", "/portal/score/what-if", on_time_months="12")
    assert outcome.status_code == 200  # type: ignore[attr-defined]
    assert "Your score would be" in outcome.text and "Nothing was changed" in outcome.text  # type: ignore[attr-defined]
    empty = _post(browser_client, "/portal/score", "/portal/score/what-if")
    assert empty.status_code == 422 and "at least one change" in empty.text  # type: ignore[attr-defined]


def test_who_looked_shows_every_entry_verified_and_a_wrong_key_is_not_verified(
    browser_client: TestClient,
    person: Person,
    conn: psycopg.Connection[dict[str, Any]],
    app: FastAPI,
) -> None:
    sign_in(browser_client, person.token)
    browser_client.get("/portal/file")
    browser_client.get("/portal/score")
    page = browser_client.get("/portal/access-log").text
    rows = page.count('<tr id="entry-')
    assert rows >= 2
    assert page.count('class="badge verified"') == rows
    assert "You looked at your file" in page and "You looked at your score" in page
    assert f"All {rows} entries shown here verified" in page
    assert "Show older entries" not in page
    indexes = [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', page)]
    older = browser_client.get(f"/portal/access-log?before={max(indexes)}").text
    assert [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', older)] == sorted(indexes)[-2::-1]

    # What the API publishes, checked with another key or with an entry altered, never verifies.
    published = subject_log(conn, app.state.signing_key, person.subject_id, datetime.now(UTC),
                            interval=app.state.settings.tree_head_interval)  # fmt: skip
    other = SigningKey.from_seed(b"not the bureau's key".ljust(32, b"!")).public_key
    assert not any(e.verified for e in verify_published(published, other).entries)
    published["entries"][0]["entry"]["to"] = "someone else"
    checked = verify_published(published, app.state.signing_key.public_key)
    assert [e.verified for e in checked.entries][:2] == [False, True]
    assert checked.entries[0].problem == "the entry's contents do not match its recorded hash"


def test_no_form_reaches_another_subjects_file(
    browser_client: TestClient, person: Person, other_person: Person, sandbox: SeedResult,
    client: TestClient,
) -> None:  # fmt: skip
    # B grants, freezes and disputes through the API; A then tries B's ids through A's session.
    lumen = sandbox.org_keys["lumen"]["org_id"]
    b_grant = client.post("/v1/me/consents", headers=other_person.headers, json={
        "requester_org_id": lumen, "purpose": "credit-transaction"}).json()["grant_id"]  # fmt: skip
    client.put("/v1/me/freeze", headers=other_person.headers)
    b_thaw = client.post("/v1/me/freeze/thaws", headers=other_person.headers,
                         json={"requester_org_id": lumen}).json()["thaws"][0]["thaw_id"]  # fmt: skip
    b_dispute = client.post("/v1/me/disputes", headers=other_person.headers, json={
        "item": {"kind": "account", "id": str(other_person.card)},
        "reason": "inaccurate-late"}).json()["dispute_id"]  # fmt: skip

    sign_in(browser_client, person.token)
    attempts = [
        ("/portal/consents", f"/portal/consents/{b_grant}/revoke", {}),
        ("/portal/freeze", f"/portal/freeze/thaws/{b_thaw}/cancel", {}),
        ("/portal/disputes", f"/portal/disputes/{b_dispute}/information", {"text": "mine now"}),
        ("/portal/disputes", f"/portal/disputes/{b_dispute}/statement", {"text": "mine now"}),
        ("/portal/disputes", "/portal/disputes",
         {"item": str(other_person.card), "reason": "not-mine"}),
        ("/portal/score", "/portal/score/what-if", {"close_account": str(other_person.card)}),
    ]  # fmt: skip
    for page, action, fields in attempts:
        response = _post(browser_client, page, action, **fields)
        assert response.status_code in {404, 422}, (action, response.status_code)  # type: ignore[attr-defined]
        assert other_person.name not in response.text  # type: ignore[attr-defined]
    for path in (
        f"/portal/consents/{b_grant}/receipt",
        f"/portal/disputes/new?item={other_person.card}",
    ):
        assert browser_client.get(path).status_code == 404

    for path in (*PAGES, "/portal/file.json"):
        text = browser_client.get(path).text
        assert other_person.name not in text and str(other_person.subject_id) not in text
        assert b_grant not in text and b_dispute not in text
    b_view = client.get(f"/v1/me/consents/{b_grant}", headers=other_person.headers).json()
    assert b_view["status"] == "active"
    b_freeze = client.get("/v1/me/freeze", headers=other_person.headers).json()
    assert b_freeze["thaws"][0]["cancelled_at"] is None
    b_disputes = client.get("/v1/me/disputes", headers=other_person.headers).json()
    assert not b_disputes["statements"]
    assert UUID(b_dispute)


def test_an_adverse_action_notice_reads_as_a_letter_with_the_score_and_its_key_factors(
    browser_client: TestClient, person: Person, sandbox: SeedResult, client: TestClient
) -> None:
    lumen = sandbox.org_keys["lumen"]
    grant = client.post("/v1/me/consents", headers=person.headers, json={
        "requester_org_id": lumen["org_id"], "purpose": "credit-transaction"}).json()  # fmt: skip
    report = _pull(client, sandbox, grant["grant_id"]).json()  # type: ignore[attr-defined]
    sent = client.post("/v1/notices/adverse-action", headers=bearer(lumen["key"]), json={
        "report_id": report["report_id"], "action": "credit-denied",
        "reasons": ["Too many recent late payments"]})  # fmt: skip
    assert sent.status_code == 201, sent.text
    score = report["report"]["score"]

    sign_in(browser_client, person.token)
    inbox = browser_client.get("/portal/notices").text
    notice_id = sent.json()["notice_id"]
    assert f"/portal/notices/{notice_id}" in inbox and "Adverse action notice" in inbox
    letter = browser_client.get(f"/portal/notices/{notice_id}").text
    assert "Your application for credit was denied." in letter
    assert "Too many recent late payments" in letter
    assert f"<strong>{score['score']}</strong>" in letter
    for reason in score["reasons"][:4]:
        assert reason["text"] in letter


def test_an_inquiry_can_be_disputed_from_its_row_but_not_ones_own_look(
    browser_client: TestClient, person: Person, sandbox: SeedResult, client: TestClient
) -> None:
    grant = client.post("/v1/me/consents", headers=person.headers, json={
        "requester_org_id": sandbox.org_keys["lumen"]["org_id"],
        "purpose": "credit-transaction"}).json()  # fmt: skip
    assert _pull(client, sandbox, grant["grant_id"]).status_code == 201  # type: ignore[attr-defined]
    sign_in(browser_client, person.token)
    browser_client.get("/portal/file")  # one's own look is an inquiry too, but not disputable
    page = browser_client.get("/portal/file").text
    links = re.findall(r"/portal/disputes/new\?kind=inquiry&amp;item=([0-9a-f-]{36})", page)
    assert len(links) == 1 and "Lumen Lending" in page
    form = browser_client.get(f"/portal/disputes/new?kind=inquiry&item={links[0]}")
    assert "Dispute: Inquiry by Lumen Lending" in form.text
    assert "I did not authorise this inquiry" in form.text
    response = browser_client.post("/portal/disputes", follow_redirects=False, data={
        "csrf": csrf_of(form.text), "kind": "inquiry", "item": links[0],
        "reason": "not-authorised"})  # fmt: skip
    assert response.status_code == 303
    assert "Inquiry by Lumen Lending" in browser_client.get("/portal/disputes").text
    assert (
        browser_client.get(f"/portal/disputes/new?kind=identity&item={links[0]}").status_code == 404
    )
