"""Opening a new file: the lock key a new person is serialised on, and two enrolments of the same
person at once (the furnishing races are in tests/furnishing/test_matching.py)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.db.migrate import migrate
from bureau.db.pool import open_pool, transaction
from bureau.subjects.creation import CREATION_LOCK, matching_keys, person_lock_key
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from tests.conftest import scratch_database

NID, DOB, NAME, ADDRESS = (bytes([n]) * 32 for n in range(1, 5))


def test_a_record_with_a_national_id_is_locked_under_both_rules_keys() -> None:
    """Its own match is by national id, but a record without one finds its file by name."""
    keys = {"national_id": NID, "dob": DOB, "name": NAME, "address": ADDRESS}
    assert matching_keys(keys) == [
        ("national_id+dob", (NID, DOB)),
        ("name+dob+address", (NAME, DOB, ADDRESS)),
    ]


def test_a_record_with_a_national_id_and_no_address_is_locked_on_national_id_only() -> None:
    keys = {"national_id": NID, "dob": DOB, "name": NAME}
    assert matching_keys(keys) == [("national_id+dob", (NID, DOB))]


def test_a_record_without_a_national_id_is_locked_on_name_birth_date_and_address() -> None:
    keys = {"dob": DOB, "name": NAME, "address": ADDRESS}
    assert matching_keys(keys) == [("name+dob+address", (NAME, DOB, ADDRESS))]


def test_a_record_no_rule_could_match_takes_no_lock() -> None:
    assert matching_keys({"national_id": NID, "name": NAME, "address": ADDRESS}) == []
    assert matching_keys({"name": NAME, "dob": DOB}) == []


def test_lock_keys_are_stable_signed_bigints_apart_for_each_person_and_rule() -> None:
    key = person_lock_key("national_id+dob", (NID, DOB))
    assert key == person_lock_key("national_id+dob", (NID, DOB))
    assert -(2**63) <= key < 2**63
    others = {
        person_lock_key("national_id+dob", (NID, NAME)),
        person_lock_key("national_id+dob", (DOB, NID)),
        person_lock_key("name+dob+address", (NID, DOB)),
        CREATION_LOCK,
    }
    assert key not in others and len(others) == 4


@pytest.fixture(scope="module")
def committed_url(server_url: str) -> Iterator[str]:
    with scratch_database(server_url, f"fairfile_subjects_{secrets.token_hex(3)}") as url:
        migrate(url)
        yield url


def test_two_enrolments_of_the_same_new_person_at_once_open_one_file(
    committed_url: str, vault: Vault
) -> None:
    claim = IdentityClaim(name="Ada Ruiz", national_id="219-09-9911", dob=date(1990, 2, 3))
    first, created, waited, outcome = race_enrolments(committed_url, vault, claim)
    assert created and waited
    assert outcome == [(first, False)]


def race_enrolments(
    url: str, vault: Vault, claim: IdentityClaim
) -> tuple[UUID, bool, bool, list[tuple[UUID, bool]]]:
    """A first enrolment holds its new file uncommitted while a second of the same person
    starts: returns the first's (subject, created), whether the second waited on an advisory
    lock, and the second's outcome."""
    pool = open_pool(url, max_size=3)
    outcome: list[tuple[UUID, bool]] = []
    pid: list[int] = []

    def second() -> None:
        with transaction(pool) as conn:
            pid.append(conn.info.backend_pid)
            outcome.append(enrol(conn, vault, claim))

    try:
        with psycopg.connect(url, autocommit=True) as observer, transaction(pool) as conn:
            first, created = enrol(conn, vault, claim)
            thread = threading.Thread(target=second, daemon=True)
            thread.start()
            waited = wait_for_lock(observer, pid, thread)
        thread.join(timeout=60)
    finally:
        pool.close()
    return first, created, waited, outcome


def wait_for_lock(
    observer: psycopg.Connection[Any], pid: list[int], thread: threading.Thread
) -> bool:
    """Whether the thread's transaction waits for an advisory lock (polled in pg_locks), or
    False once the thread has finished without waiting."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and thread.is_alive():
        if pid:
            row = observer.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' "
                "AND NOT granted",
                (pid[0],),
            ).fetchone()
            if row is not None and row[0] > 0:
                return True
        time.sleep(0.005)
    return False
