"""The erasure right, as the service gives it: a closed file is released to no one and waits
the regime's period; a shredded file is unrecoverable and unlinkable, and the access log keeps
verifying. (HTTP in test_routes.py, the operator's command in test_commands.py.)"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.audit.tree import verify_log
from bureau.db.pool import transaction
from bureau.furnishing import repo as furnishing_repo
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.synthetic import account, person
from bureau.policy.regime import live_rules
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects import erasure
from bureau.subjects import repo as subjects_repo
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.subjects.errors import FileClosed, FileNotClosed, FileShredded
from bureau.vault import Vault, VaultError
from tests.consent.conftest import Org, Person
from tests.furnishing.conftest import add_furnisher, metro2_file

AS_OF = date(2026, 10, 31)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RULES = live_rules().erasure


def _count(conn: psycopg.Connection[Any], query: str, *params: Any) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(next(iter(row.values())))


def _furnished(conn: psycopg.Connection[Any], vault: Vault, seed: int) -> tuple[UUID, Any, Any]:
    """A new person reported by a new furnisher: (their subject, the furnisher, their values)."""
    furnisher = add_furnisher(conn, "FAIRFILESANDBOX01")
    who = person(random.Random(seed))
    values = account(random.Random(seed), AS_OF, who=who, number=seed)
    report = ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file([values], AS_OF)))
    assert report.subjects_created == 1
    row = conn.execute(
        "SELECT subject_id FROM tradelines WHERE furnisher_id = %s", (furnisher,)
    ).fetchone()
    assert row is not None
    return row["subject_id"], furnisher, values


def _log(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT event, entry FROM audit_log WHERE subject_id = %s ORDER BY entry_id", (subject_id,)
    ).fetchall()
    return [dict(r) for r in rows]


def test_closing_is_logged_without_personal_data_and_closing_twice_is_refused(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, _, values = _furnished(conn, vault, 9101)
    state = erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    assert state.status == "closed"
    assert state.shred_due_at == NOW + timedelta(days=RULES.shred_after_closure_days)
    with pytest.raises(FileClosed):
        erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    (closed,) = [e for e in _log(conn, subject_id) if e["event"] == "file.closed"]
    text = json.dumps(closed["entry"])
    assert closed["entry"]["by"] == "subject"
    for value in (values["surname"], str(values["ssn"]), values["consumer_account_number"]):
        assert str(value) not in text


def test_a_closure_can_be_withdrawn_until_the_file_is_shredded(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, _, _ = _furnished(conn, vault, 9102)
    with pytest.raises(FileNotClosed):
        erasure.reopen_file(conn, subject_id, RULES, by="subject")
    erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    assert erasure.reopen_file(conn, subject_id, RULES, by="subject").status == "active"
    erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    erasure.shred_file(conn, vault, subject_id, NOW, by="operator")
    with pytest.raises(FileShredded):
        erasure.reopen_file(conn, subject_id, RULES, by="subject")


def test_an_active_file_is_never_shredded(conn: psycopg.Connection[Any], vault: Vault) -> None:
    subject_id, _, _ = _furnished(conn, vault, 9103)
    with pytest.raises(FileNotClosed):
        erasure.shred_file(conn, vault, subject_id, NOW, by="operator")
    assert vault.cipher_for(conn, subject_id)  # the keys are untouched


def test_shredded_file_is_unrecoverable_and_unlinkable(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, furnisher, values = _furnished(conn, vault, 9104)
    cipher = vault.cipher_for(conn, subject_id)
    number_ct = bytes(conn.execute(
        "SELECT account_number_ct FROM tradelines WHERE subject_id = %s", (subject_id,)
    ).fetchone()["account_number_ct"])  # type: ignore[index]  # fmt: skip
    assert cipher.decrypt("account", number_ct) == values["consumer_account_number"]
    erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    shredded = erasure.shred_file(conn, vault, subject_id, NOW, by="operator")
    assert shredded["identities"] > 0 and shredded["accounts_unlinked"] == 1

    # unrecoverable: no live key, so no ciphertext of the subject opens again
    with pytest.raises(VaultError):
        vault.cipher_for(conn, subject_id)
    assert _count(conn, "SELECT count(*) FROM subject_keys WHERE subject_id = %s "
                        "AND wrapped_key IS NOT NULL", subject_id) == 0  # fmt: skip
    # unlinkable: no blind index of the person is left, the account's reference is random
    assert _count(conn, "SELECT count(*) FROM identity_facts WHERE subject_id = %s",
                  subject_id) == 0  # fmt: skip
    ref = vault.blind_index("account", f"{furnisher}:{values['consumer_account_number']}")
    assert _count(conn, "SELECT count(*) FROM tradelines WHERE account_ref = %s", ref) == 0
    # what stays is figures under the subject's random id: the account's row, its number noise
    assert _count(conn, "SELECT count(*) FROM tradelines WHERE subject_id = %s", subject_id) == 1

    # the same person and the same account, reported again, open a new file: nothing links it
    newer = dict(values, current_balance=int(values["current_balance"]) + 1)  # not a replay
    again = ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file([newer], AS_OF)))
    assert again.subjects_created == 1 and again.matched["account"] == 0
    assert again.rejected == 0
    new_subject = conn.execute(
        "SELECT subject_id FROM tradelines WHERE furnisher_id = %s AND subject_id <> %s",
        (furnisher, subject_id),
    ).fetchone()
    assert new_subject is not None and new_subject["subject_id"] != subject_id


def test_shredding_twice_is_refused_naming_when(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, _, _ = _furnished(conn, vault, 9105)
    erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    erasure.shred_file(conn, vault, subject_id, NOW, by="operator")
    with pytest.raises(FileShredded, match="already erased"):
        erasure.shred_file(conn, vault, subject_id, NOW, by="operator")


def test_closed_files_are_shredded_once_the_regimes_period_has_passed(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, _, _ = _furnished(conn, vault, 9106)
    closed_at = datetime(2000, 1, 3, tzinfo=UTC)  # older than anything else in the database
    erasure.close_file(conn, subject_id, closed_at, RULES, by="subject")
    period = timedelta(days=RULES.shred_after_closure_days)
    early = erasure.shred_due(conn, vault, closed_at + period - timedelta(seconds=1), RULES)
    assert subject_id not in {UUID(s["subject_id"]) for s in early}
    on_time = erasure.shred_due(conn, vault, closed_at + period, RULES)
    assert subject_id in {UUID(s["subject_id"]) for s in on_time}
    (entry,) = [e for e in _log(conn, subject_id) if e["event"] == "file.shredded"]
    assert entry["entry"]["by"] == "schedule"


def test_enrolling_a_person_whose_file_is_closed_is_refused(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    subject_id, _, values = _furnished(conn, vault, 9107)
    erasure.close_file(conn, subject_id, NOW, RULES, by="subject")
    claim = IdentityClaim(name="Same Person", national_id=str(values["ssn"]),
                          dob=values["date_of_birth"])  # fmt: skip
    with pytest.raises(FileClosed):
        enrol(conn, vault, claim)


def test_audit_log_still_verifies_after_shredding(
    client: TestClient, person: Person, lumen: Org, operator: Org, auditor: Org,
    conn: psycopg.Connection[Any], session_key_file: Any,
) -> None:  # fmt: skip
    grant = {"requester_org_id": str(lumen.org_id), "purpose": "credit-transaction"}
    assert client.post("/v1/me/consents", json=grant, headers=person.headers).status_code == 201
    assert client.get("/v1/me/file", headers=person.headers).status_code == 200
    assert client.post("/v1/me/file/closure", headers=person.headers).status_code == 201
    shred = client.post(f"/v1/operator/subjects/{person.subject_id}/shred",
                        headers=operator.headers)  # fmt: skip
    assert shred.status_code == 200, shred.text
    head = client.get("/v1/audit/tree-head", headers=auditor.headers)  # numbers the new entries
    assert head.status_code == 200
    key = SigningKey.load_or_create(signing_key_file(session_key_file))
    result = verify_log(conn, [key.public_key])
    assert result.ok, result.problems
    events = [e["event"] for e in _log(conn, person.subject_id)]
    assert "file.closed" in events and events[-1] == "file.shredded"
    # every earlier entry about the subject is still there, none rewritten
    assert "file.disclosed" in events and "consent.granted" in events


def test_shredding_waits_for_an_ingest_in_flight_and_forgets_what_it_wrote(
    pool: ConnectionPool, database_url: str, vault: Vault, person: Person, northwind: Org
) -> None:
    """An ingest that matched the file before it was closed may still be writing its identity
    facts: shredding waits for it to commit, then deletes them with the rest."""
    with transaction(pool) as conn:
        erasure.close_file(conn, person.subject_id, NOW, RULES, by="subject")
    with psycopg.connect(database_url) as ingest, psycopg.connect(
        database_url, autocommit=True
    ) as observer:  # fmt: skip
        furnishing_repo.lock_furnisher(ingest, northwind.org_id)  # as an ingest holds it
        cipher = vault.cipher_for(ingest, person.subject_id)
        subjects_repo.add_identity(ingest, person.subject_id, "phone",
                                   cipher.encrypt("phone", "3075550199"), cipher.key_version,
                                   vault.blind_index("phone", "3075550199"), northwind.org_id)  # fmt: skip
        failures: list[BaseException] = []

        def shred() -> None:
            try:
                with transaction(pool) as conn:
                    erasure.shred_file(conn, vault, person.subject_id, NOW, by="operator")
            except BaseException as exc:  # reported by the test
                failures.append(exc)

        worker = threading.Thread(target=shred)
        worker.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_advisory_lock(observer) and worker.is_alive():
            assert time.monotonic() < deadline, "shredding neither waited nor finished"
            time.sleep(0.005)  # polling a condition, not a guess at how long the work takes
        assert worker.is_alive(), "shredding did not wait for the ingest in flight"
        ingest.commit()
        worker.join(timeout=30)
    assert not failures, failures
    with transaction(pool) as conn:
        left = _count(conn, "SELECT count(*) FROM identity_facts WHERE subject_id = %s",
                      person.subject_id)  # fmt: skip
    assert left == 0


def _waiting_for_advisory_lock(observer: psycopg.Connection[Any]) -> bool:
    row = observer.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    ).fetchone()
    return row is not None and row[0] > 0
