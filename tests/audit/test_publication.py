"""Signed tree heads are published on a schedule, not signed on every read.

These read as the log's publication guarantees: reads with nothing new sign no head; reads
after new entries sign at most one head per interval, and concurrent readers one between them;
a subject still sees their newest entry at once, with a proof that verifies independently; and
verification and consistency proofs hold across heads signed far apart.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.audit import publication, trail, tree
from bureau.audit.log import leaf_hash
from bureau.audit.merkle import SignedTreeHead, TreeHead, verify_consistency, verify_inclusion
from bureau.audit.sequencing import sequence
from bureau.config import Settings
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import SeedResult
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.enrolment import IdentityClaim
from bureau.vault import Vault
from tests.audit.test_access_log import head_checks_out, unb64
from tests.audit.test_merkle import reference_root_from_path, reference_roots_from_consistency
from tests.conftest import bearer, enrol_with_accounts, random_national_id
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import pull
from tests.consent.test_routes import grant

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def bureau_key(session_key_file: Path) -> SigningKey:
    return SigningKey.load_or_create(signing_key_file(session_key_file))


@pytest.fixture
def eager_client(settings: Settings, pool: ConnectionPool, app: FastAPI) -> Iterator[TestClient]:
    """The bureau with a zero interval: every read after new entries is served a new head."""
    eager = create_app(replace(settings, tree_head_interval=timedelta(0)), pool=pool)
    with TestClient(eager) as test_client:
        yield test_client


@pytest.fixture
def neighbour(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    """A second subject, who reads their own log while the first one's grows."""
    claim = IdentityClaim(
        name=f"Neighbour {secrets.token_hex(3)}", national_id=random_national_id(),
        dob=date(1975, 2, 3), addresses=["2 Test St, Springfield IL 62701"], phones=[],
    )  # fmt: skip
    subject_id, token, ids = enrol_with_accounts(
        pool, vault, sandbox, claim, AccountSpec("northwind", "card", 12, 3000, 200)
    )
    return Person(subject_id, token, bearer(token), ids["northwind"])


@contextmanager
def connect(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        yield connection


def head_count(database_url: str) -> int:
    with connect(database_url) as c:
        row = c.execute("SELECT count(*) AS n FROM audit_tree_heads").fetchone()
    assert row is not None
    return int(row["n"])


def append_committed(database_url: str, subject_id: UUID | None, note: str) -> int:
    with connect(database_url) as c, c.transaction():
        return trail.append(c, "test.event", subject_id, {"note": note})


def every_reader(client: TestClient, person: Person, auditor: Org, size: int) -> None:
    """One read of each kind that is served a tree head."""
    for path, headers in (("/v1/me/access-log", person.headers),
                          ("/v1/audit/tree-head", auditor.headers),
                          ("/v1/audit/consistency?first=0", auditor.headers),
                          (f"/v1/audit/inclusion/{size - 1}", auditor.headers)):  # fmt: skip
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)


# The rule, pure -----------------------------------------------------------------------------


def head(size: int, at: datetime = T0) -> TreeHead:
    return TreeHead(size, b"\x00" * 32, at)


def test_a_young_head_serves_though_the_log_has_grown() -> None:
    assert publication.serves(head(10), T0 + timedelta(minutes=59), HOUR, 0, log_size=25)
    assert publication.serves(head(10), T0 + timedelta(minutes=59), HOUR, 0, log_size=None)


def test_an_old_head_serves_only_while_nothing_new_is_logged() -> None:
    assert publication.serves(head(10), T0 + 2 * HOUR, HOUR, 0, log_size=10)
    assert not publication.serves(head(10), T0 + HOUR, HOUR, 0, log_size=11)
    # Not sequenced yet: whether the log grew is unknown, so only a young head serves.
    assert not publication.serves(head(10), T0 + HOUR, HOUR, 0, log_size=None)


def test_a_head_that_misses_the_subjects_newest_entry_never_serves_them() -> None:
    assert not publication.serves(head(10), T0, HOUR, owed_size=11, log_size=11)
    assert publication.serves(head(10), T0, HOUR, owed_size=10, log_size=11)
    assert not publication.serves(None, T0, HOUR, 0, log_size=0)


def test_a_zero_interval_serves_a_head_only_while_nothing_new_is_logged() -> None:
    assert publication.serves(head(10), T0, timedelta(0), 0, log_size=10)
    assert not publication.serves(head(10), T0 - timedelta(seconds=1), timedelta(0), 0, 11)


def test_the_next_head_is_due_one_interval_after_the_newest() -> None:
    assert publication.next_head_due(head(10), HOUR) == T0 + HOUR


# Against the database -----------------------------------------------------------------------


def test_many_reads_with_no_new_entries_sign_no_new_head(
    eager_client: TestClient, database_url: str, person: Person, auditor: Org
) -> None:
    first = eager_client.get("/v1/me/access-log", headers=person.headers).json()["tree_head"]
    before = head_count(database_url)
    for _ in range(5):  # even in a bureau that publishes on every read after something new
        every_reader(eager_client, person, auditor, first["tree_size"])
    assert head_count(database_url) == before


def test_many_reads_after_one_new_entry_sign_at_most_one_head_within_the_interval(
    client: TestClient, database_url: str, person: Person, lumen: Org, auditor: Org,
    neighbour: Person,
) -> None:  # fmt: skip
    first = client.get("/v1/me/access-log", headers=person.headers).json()["tree_head"]
    before = head_count(database_url)
    append_committed(database_url, None, "about no one in particular")
    for _ in range(5):
        every_reader(client, person, auditor, first["tree_size"])
        client.get("/v1/me/access-log", headers=neighbour.headers)
    assert head_count(database_url) == before  # within the interval, nobody is owed a head

    grant(client, person, lumen)  # one new entry of the person's own
    for _ in range(5):
        every_reader(client, person, auditor, first["tree_size"])
        client.get("/v1/me/access-log", headers=neighbour.headers)
    assert head_count(database_url) == before + 1


def test_once_the_interval_has_passed_one_read_signs_a_head_and_the_rest_reuse_it(
    conn: psycopg.Connection[Any], bureau_key: SigningKey
) -> None:
    now = datetime.now(UTC)
    published = tree.publish_head(conn, bureau_key, now)
    trail.append(conn, "test.event", None, {"note": "after the published head"})
    assert tree.current_head(conn, bureau_key, now + timedelta(minutes=30), HOUR) == published
    later = [tree.current_head(conn, bureau_key, now + HOUR + timedelta(minutes=m), HOUR)
             for m in range(1, 6)]  # fmt: skip
    assert later[0].head.tree_size == published.head.tree_size + 1
    assert all(h == later[0] for h in later)


@pytest.mark.parametrize("numbered", [False, True], ids=["entry pending", "entry numbered"])
@pytest.mark.parametrize("owed_by_subject", [False, True], ids=["auditors", "one subject"])
def test_concurrent_readers_sign_one_head_between_them(
    database_url: str, bureau_key: SigningKey, owed_by_subject: bool, numbered: bool
) -> None:
    subject = uuid4()
    with connect(database_url) as c, c.transaction():
        tree.publish_head(c, bureau_key, datetime.now(UTC))
    append_committed(database_url, subject if owed_by_subject else None, "read by many at once")
    if numbered:  # by the background sequencer: then readers meet only on the signing lock
        with connect(database_url) as c, c.transaction():
            assert sequence(c, bureau_key) == 1
    before = head_count(database_url)
    readers = 6
    start = threading.Barrier(readers)
    served: list[SignedTreeHead] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with connect(database_url) as c, c.transaction():
                start.wait(timeout=30)
                if owed_by_subject:  # young head: only the subject's own entry makes them sign
                    sth = tree.current_head(c, bureau_key, datetime.now(UTC), HOUR, subject)
                else:  # zero interval: any growth makes a reader sign
                    sth = tree.current_head(c, bureau_key, datetime.now(UTC), timedelta(0))
            served.append(sth)
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    assert head_count(database_url) == before + 1
    with connect(database_url) as c:  # each was served the one head stored (and published)
        assert served == [tree.head_at(c, served[0].head.tree_size)] * readers


def test_a_subject_gets_a_verifiable_proof_of_their_newest_entry_at_once(
    client: TestClient, person: Person, lumen: Org, auditor: Org
) -> None:
    jwks = client.get("/v1/keys").text
    made = grant(client, person, lumen)
    client.get("/v1/me/access-log", headers=person.headers)
    published = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    released = pull(client, lumen, made["grant_id"]).json()

    # The pull is newer than the published head, which auditors keep getting ...
    assert client.get("/v1/audit/tree-head", headers=auditor.headers).json() == published
    # ... but its subject sees it at once, with a proof against a head that covers it.
    view = client.get("/v1/me/access-log", headers=person.headers).json()
    newest = view["entries"][0]
    assert newest["entry_id"] == released["access_log_entry"]
    assert newest["entry"]["report_id"] == released["report_id"]
    size = view["tree_head"]["tree_size"]
    assert size > published["tree_size"]
    root = head_checks_out(view["tree_head"], jwks)
    leaf = leaf_hash(newest["entry"])
    proof = [unb64(p) for p in newest["inclusion_proof"]]
    assert verify_inclusion(leaf, newest["leaf_index"], size, proof, root)
    assert reference_root_from_path(leaf, newest["leaf_index"], size, proof) == root
    # Reading again is served the same head; so is the auditor now.
    assert (
        client.get("/v1/me/access-log", headers=person.headers).json()["tree_head"]
        == (view["tree_head"])
    )
    assert client.get("/v1/audit/tree-head", headers=auditor.headers).json() == view["tree_head"]


def test_an_auditor_asking_for_a_leaf_newer_than_the_published_head_is_told_when(
    client: TestClient,
    database_url: str,
    person: Person,
    auditor: Org,
    bureau_key: SigningKey,
) -> None:
    published = client.get("/v1/me/access-log", headers=person.headers).json()["tree_head"]
    append_committed(database_url, None, "newer than the published head")
    with connect(database_url) as c, c.transaction():
        sequence(c, bureau_key)
    leaf = published["tree_size"]
    answer = client.get(f"/v1/audit/inclusion/{leaf}", headers=auditor.headers)
    assert answer.status_code == 404
    problem = answer.json()
    assert problem["type"].endswith("/not-covered-yet") and problem["field"] == "leaf_index"
    assert problem["tree_size"] == published["tree_size"]
    due = datetime.fromisoformat(published["timestamp"]) + HOUR
    assert datetime.fromisoformat(problem["covered_from"]) == due
    beyond = client.get(f"/v1/audit/inclusion/{leaf + 1000}", headers=auditor.headers).json()
    assert beyond["type"].endswith("/not-found")


def test_verification_and_consistency_hold_across_heads_signed_far_apart(
    conn: psycopg.Connection[Any], bureau_key: SigningKey
) -> None:
    now = datetime.now(UTC)
    old = tree.publish_head(conn, bureau_key, now)
    for n in range(37):
        trail.append(conn, "test.event", uuid4() if n % 3 else None, {"n": n})
    assert sequence(conn, bureau_key) == 37
    # Many reads within the interval: the same head, though 37 entries are numbered past it.
    for minute in range(1, 30):
        assert tree.current_head(conn, bureau_key, now + timedelta(minutes=minute), HOUR) == old
    checked = tree.verify_log(conn, [bureau_key.public_key])
    assert checked.ok, checked.problems
    assert checked.entries == old.head.tree_size + 37 and checked.pending == 0

    new = tree.current_head(conn, bureau_key, now + 2 * HOUR, HOUR)
    assert new.head.tree_size == old.head.tree_size + 37
    m, n = old.head.tree_size, new.head.tree_size
    proof = tree.consistency_proof(conn, m, n)
    assert verify_consistency(m, n, old.head.root_hash, new.head.root_hash, proof)
    if m > 0:
        assert reference_roots_from_consistency(m, n, True, proof, old.head.root_hash) == (
            old.head.root_hash,
            new.head.root_hash,
        )
    checked = tree.verify_log(conn, [bureau_key.public_key])
    assert checked.ok and checked.entries == n, checked.problems
