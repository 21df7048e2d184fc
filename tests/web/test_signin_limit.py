"""Failed sign-ins are limited per credential and per client address, counted in PostgreSQL;
a lockout names its reason and its end, holds even against the right credential, and lifts
when its window has passed. Successful sign-ins never count."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from bureau.app import create_app
from bureau.config import PortalSettings, Settings, SettingsInvalid, load_portal_settings
from bureau.web.session import SESSION_COOKIE
from tests.web.conftest import Clock, Person, lone_address
from tests.web.portal import csrf_of

LIMITS = PortalSettings()


def _attempt(client: TestClient, token: str) -> Response:
    form = client.get("/portal/signin")
    return client.post(
        "/portal/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )


def _wrong_secret(person: Person) -> str:
    """The person's credential id with a guessed secret."""
    kind, credential_id, _ = person.token.split("_", 2)
    return f"{kind}_{credential_id}_{secrets.token_urlsafe(32)}"


def _unknown_token() -> str:
    return f"ffs_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"


def _fail_until_limit(client: TestClient, tokens: list[str]) -> None:
    for token in tokens:
        response = _attempt(client, token)
        assert response.status_code == 401, response.text
        assert "not recognised" in response.text


def test_the_failure_after_the_limit_is_refused_naming_the_reason_and_when_to_retry(
    lone_client: TestClient, person: Person, clock: Clock
) -> None:
    _fail_until_limit(lone_client, [_wrong_secret(person)] * LIMITS.max_failures_per_credential)
    response = _attempt(lone_client, _wrong_secret(person))
    assert response.status_code == 429
    assert "too many failed sign-ins with this credential" in response.text
    until = clock.now + LIMITS.signin_window
    assert f"until {until:%H:%M} UTC" in response.text
    assert response.headers["Retry-After"] == str(int(LIMITS.signin_window.total_seconds()))
    assert "Traceback" not in response.text


def test_the_right_credential_is_refused_during_a_lockout(
    lone_client: TestClient, person: Person, clock: Clock
) -> None:
    _fail_until_limit(lone_client, [_wrong_secret(person)] * LIMITS.max_failures_per_credential)
    clock.advance(LIMITS.signin_window / 2)
    response = _attempt(lone_client, person.token)
    assert response.status_code == 429
    assert "not even with the right credential" in response.text
    assert SESSION_COOKIE not in lone_client.cookies
    assert lone_client.get("/portal/file", follow_redirects=False).status_code == 303


def test_the_end_of_the_window_lets_the_subject_in_again(
    lone_client: TestClient, person: Person, clock: Clock
) -> None:
    _fail_until_limit(lone_client, [_wrong_secret(person)] * LIMITS.max_failures_per_credential)
    clock.advance(LIMITS.signin_window - timedelta(seconds=1))
    assert _attempt(lone_client, person.token).status_code == 429
    clock.advance(timedelta(seconds=1))
    response = _attempt(lone_client, person.token)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/file"
    assert lone_client.get("/portal/file", follow_redirects=False).status_code == 200


def test_successful_sign_ins_do_not_count(
    lone_client: TestClient, person: Person, clock: Clock
) -> None:
    _fail_until_limit(
        lone_client, [_wrong_secret(person)] * (LIMITS.max_failures_per_credential - 1)
    )
    for _ in range(LIMITS.max_failures_per_credential + 1):
        assert _attempt(lone_client, person.token).status_code == 303
    assert _attempt(lone_client, _wrong_secret(person)).status_code == 401  # the last allowed
    assert _attempt(lone_client, _wrong_secret(person)).status_code == 429


def test_one_address_trying_many_credentials_is_limited_and_others_are_not(
    app: FastAPI, lone_client: TestClient, person: Person, clock: Clock
) -> None:
    guesses = [_unknown_token() for _ in range(LIMITS.max_failures_per_address - 1)] + ["junk"]
    _fail_until_limit(lone_client, guesses)
    response = _attempt(lone_client, person.token)
    assert response.status_code == 429
    assert "too many failed sign-ins from your network address" in response.text
    with TestClient(app, base_url="https://testserver", client=(lone_address(), 1)) as elsewhere:
        assert _attempt(elsewhere, person.token).status_code == 303


def test_an_unknown_credential_is_limited_like_a_known_one(
    lone_client: TestClient, clock: Clock
) -> None:
    unknown = _unknown_token()
    _fail_until_limit(lone_client, [unknown] * LIMITS.max_failures_per_credential)
    response = _attempt(lone_client, unknown)
    assert response.status_code == 429
    assert "too many failed sign-ins with this credential" in response.text


def test_failures_seen_by_one_worker_count_in_another(
    settings: Settings, app: FastAPI, person: Person
) -> None:
    """Two app instances over one database stand for two worker processes."""
    address = lone_address()
    other_app = create_app(settings, pool=app.state.pool)
    with (
        TestClient(app, base_url="https://testserver", client=(address, 1)) as first,
        TestClient(other_app, base_url="https://testserver", client=(address, 2)) as second,
    ):
        _fail_until_limit(first, [_wrong_secret(person)] * LIMITS.max_failures_per_credential)
        assert _attempt(second, person.token).status_code == 429


def test_the_limits_are_read_from_the_environment_and_bad_values_are_named() -> None:
    loaded = load_portal_settings(
        {"FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES": "3", "FAIRFILE_PORTAL_SIGNIN_WINDOW_MINUTES": "60"}
    )
    assert loaded.max_failures_per_credential == 3
    assert loaded.signin_window == timedelta(hours=1)
    assert loaded.max_failures_per_address == LIMITS.max_failures_per_address
    with pytest.raises(SettingsInvalid, match="FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS"):
        load_portal_settings({"FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS": "0"})
    with pytest.raises(SettingsInvalid, match="idle time"):
        load_portal_settings(
            {"FAIRFILE_PORTAL_SESSION_IDLE_MINUTES": "600", "FAIRFILE_PORTAL_SESSION_HOURS": "1"}
        )


def test_concurrent_failures_cannot_pass_the_limit_together(
    app: FastAPI, person: Person, clock: Clock
) -> None:
    """Attempts sharing a credential are counted one at a time, whichever worker takes them."""
    attempts = 2 * LIMITS.max_failures_per_credential
    address = lone_address()  # one attacker's address, many connections
    clients = [
        TestClient(app, base_url="https://testserver", client=(address, port))
        for port in range(1, attempts + 1)
    ]
    forms = [csrf_of(c.get("/portal/signin").text) for c in clients]

    def post(index: int) -> int:
        data = {"token": _wrong_secret(person), "csrf": forms[index]}
        return clients[index].post("/portal/signin", data=data).status_code

    with ThreadPoolExecutor(max_workers=4) as workers:
        statuses = sorted(workers.map(post, range(attempts)))
    for c in clients:
        c.close()
    assert statuses == [401] * LIMITS.max_failures_per_credential + [429] * (
        attempts - LIMITS.max_failures_per_credential
    )


def test_a_stranger_who_knows_a_credential_id_cannot_lock_its_subject_out(
    app: FastAPI, lone_client: TestClient, person: Person
) -> None:
    """The per-credential limit counts failures from one address: the stranger's own attempts
    stop, the subject signing in from elsewhere is let in (docs/portal.md)."""
    _fail_until_limit(lone_client, [_wrong_secret(person)] * LIMITS.max_failures_per_credential)
    assert _attempt(lone_client, _wrong_secret(person)).status_code == 429
    with TestClient(app, base_url="https://testserver", client=(lone_address(), 1)) as subject:
        assert _attempt(subject, person.token).status_code in (200, 303)
