"""The portal's pages: the file in plain words, notices as letters, all logged, own data only."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.pool import transaction
from bureau.notices import inbox
from bureau.sandbox.seed import SeedResult
from tests.web.conftest import store_results_notice
from tests.web.portal import sign_in


def test_my_file_shows_each_account_in_plain_words_with_source_and_history(
    browser_client: TestClient, sandbox: SeedResult
) -> None:
    sign_in(browser_client, sandbox.personas["late-30"]["token"])
    html = browser_client.get("/portal/file").text
    assert "Credit card from Northwind Bank" in html
    assert "Education from Beacon Student Loan Servicing" in html
    assert "Current account (0-29 days past the due date)" in html  # status 11 in words
    assert "30-59 days past the due date" in html  # the late month, in words, in the strip
    assert html.count('<ol class="strip"') == 2
    assert "Last 24 months: 1 late" in html


def test_my_file_marks_disputed_accounts(browser_client: TestClient, sandbox: SeedResult) -> None:
    disputed = [s for s, p in sandbox.personas.items() if "disput" in p["story"].lower()]
    if not disputed:
        pytest.skip("no sandbox persona has a disputed account")
    sign_in(browser_client, sandbox.personas[disputed[0]]["token"])
    assert 'class="badge disputed"' in browser_client.get("/portal/file").text


def test_each_file_page_view_is_logged_like_the_api(
    browser_client: TestClient, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    persona = sandbox.personas["prime-long-history"]
    sign_in(browser_client, persona["token"])
    with transaction(pool) as conn:
        before = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM inquiries WHERE subject_id = %s AND purpose = 'consumer-disclosure'",
                (persona["subject_id"],),
            )
            .fetchall()[0]["n"]
        )
        leaves = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM audit_log WHERE subject_id = %s AND event = 'file.disclosed'",
                (persona["subject_id"],),
            )
            .fetchall()[0]["n"]
        )
    browser_client.get("/portal/file")
    browser_client.get("/portal/file.json")
    with transaction(pool) as conn:
        after = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM inquiries WHERE subject_id = %s AND purpose = 'consumer-disclosure'",
                (persona["subject_id"],),
            )
            .fetchall()[0]["n"]
        )
        entries = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT entry FROM audit_log WHERE subject_id = %s AND event = 'file.disclosed' "
                "ORDER BY leaf_index",
                (persona["subject_id"],),
            )
            .fetchall()
        )
    assert after == before + 2
    assert len(entries) == leaves + 2
    assert "portal" in json.dumps(entries[-2]["entry"])


def test_download_all_my_data_is_json_with_every_account_and_my_notices(
    browser_client: TestClient, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    persona = sandbox.personas["maxed-out-cards"]
    store_results_notice(pool, persona["subject_id"], "Download check notice")
    sign_in(browser_client, persona["token"])
    response = browser_client.get("/portal/file.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert body["subject_id"] == persona["subject_id"]
    assert len(body["tradelines"]) == 4
    assert body["score"]["score"] is not None
    assert {"tree_head", "entries"} <= set(body["access_log"])
    assert {"consent_history", "fraud_alert_history", "disputes", "freeze"} <= set(body)
    assert any(n["body"]["title"] == "Download check notice" for n in body["notices"])


def test_notices_inbox_lists_and_opens_a_letter(
    browser_client: TestClient, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    persona = sandbox.personas["late-60"]
    notice_id = store_results_notice(pool, persona["subject_id"], "The results of your dispute")
    sign_in(browser_client, persona["token"])
    inbox = browser_client.get("/portal/notices").text
    assert f"/portal/notices/{notice_id}" in inbox
    letter = browser_client.get(f"/portal/notices/{notice_id}")
    assert letter.status_code == 200
    assert "We have completed the reinvestigation" in letter.text
    assert "Your rights" in letter.text


def test_subject_a_never_sees_subject_bs_data(
    browser_client: TestClient, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    a, b = sandbox.personas["late-90"], sandbox.personas["charged-off"]
    b_notice = store_results_notice(pool, b["subject_id"], "B's private letter")
    sign_in(browser_client, a["token"])
    pages = [
        browser_client.get(p) for p in ("/portal/file", "/portal/notices", "/portal/file.json")
    ]
    for response in pages:
        assert response.status_code == 200
        assert b["name"] not in response.text
        assert b["subject_id"] not in response.text
    assert a["name"] in pages[0].text
    other = browser_client.get(f"/portal/notices/{b_notice}")
    assert other.status_code == 404
    assert "B's private letter" not in other.text


def test_errors_are_pages_without_stack_traces(
    browser_client: TestClient, sandbox: SeedResult
) -> None:
    sign_in(browser_client, sandbox.personas["thin-file"]["token"])
    for path in ("/portal/notices/not-a-uuid", f"/portal/notices/{uuid4()}", "/portal/nowhere"):
        response = browser_client.get(path)
        assert response.status_code in {404, 422}
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text and 'File "' not in response.text
        assert "<h1>" in response.text


def test_the_api_still_answers_problem_json(client: TestClient) -> None:
    response = client.get("/v1/me/file")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unexpected_failure_is_a_plain_page_without_a_stack_trace(
    app: FastAPI, sandbox: SeedResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: /srv/fairfile/bureau/notices/inbox.py line 42")

    monkeypatch.setattr(inbox, "inbox", broken)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        sign_in(c, sandbox.personas["thin-file"]["token"])
        response = c.get("/portal/notices")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "could not complete this request" in response.text
