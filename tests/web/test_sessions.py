"""Portal sessions live on the server: sign-out, idle time and the absolute lifetime end them
for every copy of the cookie, and a session id the bureau did not issue opens nothing."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bureau.config import PortalSettings
from bureau.web.session import SESSION_COOKIE, StoredSession, session_ended
from tests.web.conftest import Clock, Person
from tests.web.portal import csrf_of, sign_in

LIMITS = PortalSettings()


def _holder_of(app: FastAPI, cookie: str) -> TestClient:
    """Another browser that holds only a copy of the session cookie."""
    thief = TestClient(app, base_url="https://testserver")
    thief.cookies.set(SESSION_COOKIE, cookie, domain="testserver.local", path="/portal")
    return thief


def _opens_file(client: TestClient) -> bool:
    response = client.get("/portal/file", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def test_a_cookie_copied_before_sign_out_is_refused_after_it(
    app: FastAPI, browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    copied = browser_client.cookies[SESSION_COOKIE]
    with _holder_of(app, copied) as thief:
        assert _opens_file(thief)
        page = browser_client.get("/portal/file")
        response = browser_client.post(
            "/portal/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303
        refused = thief.get("/portal/file", follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/portal/signin?expired=1"


def test_a_copied_cookie_cannot_post_a_form_after_sign_out_even_with_its_csrf_token(
    app: FastAPI, browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    copied = browser_client.cookies[SESSION_COOKIE]
    token = csrf_of(browser_client.get("/portal/freeze").text)
    browser_client.post("/portal/signout", data={"csrf": token})
    with _holder_of(app, copied) as thief:
        response = thief.post("/portal/freeze/place", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/signin")
    sign_in(browser_client, person.token)
    assert "Your file is not frozen" in browser_client.get("/portal/freeze").text


def test_a_session_unused_for_the_idle_time_is_refused(
    browser_client: TestClient, person: Person, clock: Clock
) -> None:
    sign_in(browser_client, person.token)
    clock.advance(LIMITS.session_idle - timedelta(seconds=1))
    assert _opens_file(browser_client)  # use keeps it alive…
    clock.advance(LIMITS.session_idle - timedelta(seconds=1))
    assert _opens_file(browser_client)
    clock.advance(LIMITS.session_idle)  # …a pause as long as the idle time ends it
    assert not _opens_file(browser_client)


def test_a_session_ends_at_its_absolute_lifetime_however_active(
    browser_client: TestClient, person: Person, clock: Clock
) -> None:
    signed_in_at = clock.now
    sign_in(browser_client, person.token)
    step = LIMITS.session_idle / 2
    while clock.now + step < signed_in_at + LIMITS.session_lifetime:
        clock.advance(step)
        assert _opens_file(browser_client)
    clock.now = signed_in_at + LIMITS.session_lifetime
    assert not _opens_file(browser_client)


def test_an_unknown_session_id_is_refused(browser_client: TestClient) -> None:
    browser_client.cookies.set(
        SESSION_COOKIE, secrets.token_urlsafe(32), domain="testserver.local", path="/portal"
    )
    assert not _opens_file(browser_client)
    response = browser_client.post("/portal/signout", data={"csrf": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/signin")


def test_the_database_keeps_only_a_hash_of_the_session_id(
    browser_client: TestClient, person: Person, database_url: str
) -> None:
    sign_in(browser_client, person.token)
    session_id = browser_client.cookies[SESSION_COOKIE]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT session_hash, revoked_at FROM portal_sessions WHERE subject_id = %s",
            (person.subject_id,),
        ).fetchall()
    assert rows == [(hashlib.sha256(session_id.encode()).digest(), None)]
    assert session_id.encode() not in rows[0][0]


def test_revoking_the_credential_ends_its_portal_sessions(
    browser_client: TestClient, person: Person, database_url: str
) -> None:
    sign_in(browser_client, person.token)
    assert _opens_file(browser_client)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE subject_credentials SET revoked_at = now() WHERE subject_id = %s",
            (person.subject_id,),
        )
    assert not _opens_file(browser_client)


def test_one_sessions_csrf_token_is_refused_in_another_session(
    app: FastAPI, browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    with TestClient(app, base_url="https://testserver") as other:
        sign_in(other, person.token)
        other_token = csrf_of(other.get("/portal/file").text)
    response = browser_client.post("/portal/signout", data={"csrf": other_token})
    assert response.status_code == 403
    assert _opens_file(browser_client)


def _stored(**changes: object) -> StoredSession:
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    fields: dict[str, object] = {
        "subject_id": uuid4(), "credential_id": "0123456789abcdef", "created_at": start,
        "last_seen_at": start, "expires_at": start + timedelta(hours=8), "revoked_at": None,
        "credential_revoked_at": None, "subject_status": "active",
    }  # fmt: skip
    fields.update(changes)
    return StoredSession(**fields)  # type: ignore[arg-type]


def test_a_session_ends_when_signed_out_revoked_shredded_idle_or_past_its_end() -> None:
    idle = timedelta(minutes=30)
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert session_ended(_stored(), start + idle - timedelta(seconds=1), idle) is None
    assert session_ended(_stored(), start + idle, idle) == "idle too long"
    late = start + timedelta(hours=8)
    assert session_ended(_stored(last_seen_at=late), late, idle) == "session lifetime over"
    assert session_ended(_stored(revoked_at=start), start, idle) == "signed out"
    ended = "credential no longer valid"
    assert session_ended(_stored(credential_revoked_at=start), start, idle) == ended
    assert session_ended(_stored(subject_status="shredded"), start, idle) == ended
    # a closed file is still the subject's to read (and reopen) until it is shredded
    assert session_ended(_stored(subject_status="closed"), start, idle) is None


def test_signing_in_again_ends_the_session_the_browser_held(
    app: FastAPI, browser_client: TestClient, person: Person
) -> None:
    sign_in(browser_client, person.token)
    first = browser_client.cookies[SESSION_COOKIE]
    sign_in(browser_client, person.token)
    assert browser_client.cookies[SESSION_COOKIE] != first
    with _holder_of(app, first) as holder:
        assert not _opens_file(holder)
    assert _opens_file(browser_client)
