"""On the Citus cluster: matching by blind index reads one shard; two enrolments of the same new
person at once open one file although the person's blind indexes live on other nodes than the
coordinator that holds the new-person locks; and the access log (on the coordinator) stays one
gap-free, verifiable sequence when its entries are committed by transactions that also write
subjects on both workers.

A connection with `citus.multi_task_query_log_level = error` refuses any statement that would
run on more than one shard, so a lookup that fans out fails the test. Skipped on one node: there
every statement reads the one server, and tests/subjects/test_creation.py holds the race there.

The hot paths run through the app on a pool whose every connection carries that setting (the
async pool of report pulls is opened from the same conninfo): a consent grant, a report pull,
its re-delivery, the lender's read and the subject's revocation of the grant, a disclosure, a
dispute filing and the furnisher's read of it. Each lookup by an id alone goes through the
id's route (bureau/db/id_routes.py), itself a read of one shard. The ingest is set-based, so
its batch steps do visit the shards: its test counts them (bureau/db/shard_census.py) and
proves none of them is per subject.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.app import create_app
from bureau.audit import repo as audit_repo
from bureau.audit import trail, tree
from bureau.audit.sequencing import sequence
from bureau.audit.tree import verify_log
from bureau.config import Settings
from bureau.db import id_routes
from bureau.db.pool import open_pool, transaction
from bureau.db.shard_census import Census
from bureau.furnishing.ingest import ingest_json
from bureau.sandbox.seed import SeedResult
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.subjects.identities import subjects_holding
from bureau.vault import Vault
from bureau.web import repo as web_repo
from consent.oauth import repo as oauth_repo
from tests.cluster import local as local_cluster
from tests.cluster.conftest import account_record, new_claim
from tests.conftest import random_national_id
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import pull
from tests.consent.test_routes import grant
from tests.subjects.test_creation import race_enrolments

pytestmark = pytest.mark.skipif(
    not local_cluster.requested(),
    reason="router queries exist only on Citus: run with FAIRFILE_TEST_CLUSTER=citus",
)


ONE_SHARD = "-c citus.multi_task_query_log_level=error"
"""Connection options under which any statement over more than one shard is an error."""


@pytest.fixture
def one_shard(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection on which any multi-shard statement is an error."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET citus.multi_task_query_log_level = error")
        yield conn


@pytest.fixture(scope="module")
def one_shard_pool(database_url: str) -> Iterator[ConnectionPool]:
    """A pool whose every connection refuses a multi-shard statement."""
    guarded = open_pool(psycopg.conninfo.make_conninfo(database_url, options=ONE_SHARD))
    yield guarded
    guarded.close()


@pytest.fixture(scope="module")
def one_shard_client(
    settings: Settings, sandbox: SeedResult, one_shard_pool: ConnectionPool
) -> Iterator[TestClient]:
    """The app on that pool: its report pulls' async pool is opened from the same conninfo."""
    conninfo = str(one_shard_pool.conninfo)
    app = create_app(replace(settings, database_url=conninfo), pool=one_shard_pool)
    with TestClient(app) as client:
        yield client


def _document_keys(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[str, bytes]]:
    row = conn.execute(
        "SELECT kinds, value_bidxs FROM identity_documents WHERE subject_id = %s", (subject_id,)
    ).fetchone()
    assert row is not None
    return [(kind, bytes(bidx)) for kind, bidx in zip(row[0], row[1], strict=True)]


def test_a_statement_over_every_shard_is_refused_on_the_router_connection(
    one_shard: psycopg.Connection[Any],
) -> None:
    """The guard itself: without it the router tests below could not fail."""
    with pytest.raises(psycopg.Error, match="multi-task query"):
        one_shard.execute("SELECT count(*) FROM identity_blind_indexes").fetchone()


def test_the_apps_connections_refuse_a_statement_over_every_shard(
    one_shard_pool: ConnectionPool, one_shard_client: TestClient
) -> None:
    """The app under test runs on the guarded pool, so the hot paths below could fail."""
    with one_shard_pool.connection() as conn, pytest.raises(psycopg.Error, match="multi-task"):
        conn.execute("SELECT count(*) FROM reports").fetchone()
    assert ONE_SHARD in str(one_shard_pool.conninfo).replace("\\", "")


def test_matching_by_each_blind_index_reads_one_shard(
    pool: ConnectionPool, vault: Vault, one_shard: psycopg.Connection[Any]
) -> None:
    claim = IdentityClaim(
        name="Ines Okafor", national_id=random_national_id(), dob=date(1984, 7, 12)
    )
    with transaction(pool) as conn:
        subject_id, created = enrol(conn, vault, claim)
    assert created
    keys = _document_keys(one_shard, subject_id)
    assert {kind for kind, _ in keys} >= {"name", "national_id", "dob"}
    for kind, bidx in keys:
        assert subjects_holding(one_shard, [kind], [(bidx,)]) == {(bidx,): [subject_id]}


def test_two_enrolments_of_the_same_new_person_on_the_cluster_open_one_file(
    database_url: str, vault: Vault, one_shard: psycopg.Connection[Any]
) -> None:
    """The second waits on the coordinator's person lock while the first holds its file open
    uncommitted, then matches the committed file (its blind indexes live on the workers)."""
    claim = IdentityClaim(
        name="Tomas Lindqvist", national_id=random_national_id(), dob=date(1971, 11, 30)
    )
    first, created, waited, outcome = race_enrolments(database_url, vault, claim)
    assert created and waited
    assert outcome == [(first, False)]
    for kind, bidx in _document_keys(one_shard, first):
        assert subjects_holding(one_shard, [kind], [(bidx,)]) == {(bidx,): [first]}


def _worker_of(conn: psycopg.Connection[Any], subject_id: UUID) -> str:
    """The node holding this subject's shard of `subjects`."""
    row = conn.execute(
        "SELECT n.nodename || ':' || n.nodeport FROM pg_dist_placement p "
        "JOIN pg_dist_node n ON n.groupid = p.groupid "
        "WHERE p.shardid = get_shard_id_for_distribution_column('subjects', %s)",
        (subject_id,),
    ).fetchone()
    assert row is not None
    return str(row[0])


def _sequence_now(database_url: str, key: SigningKey) -> int:
    with psycopg.connect(database_url) as conn, conn.transaction():
        return sequence(conn, key)


def test_log_entries_committed_with_writes_on_both_workers_form_one_gap_free_verified_log(
    database_url: str, vault: Vault, session_key_file: Path
) -> None:
    key = SigningKey.load_or_create(signing_key_file(session_key_file))
    _sequence_now(database_url, key)
    with psycopg.connect(database_url) as conn:
        start = audit_repo.log_size(conn)
    committed: list[tuple[int, UUID]] = []
    guard = threading.Lock()
    done = threading.Event()
    failures: list[BaseException] = []

    def release(n: int) -> None:
        rng = random.Random(n)
        try:
            with psycopg.connect(database_url) as conn:
                for k in range(4):
                    with conn.transaction() as tx:
                        claim = IdentityClaim(
                            name=f"Worker {n} Entry {k}",
                            national_id=random_national_id(),
                            dob=date(1960 + n, 1 + k, 1),
                        )
                        subject_id, _ = enrol(conn, vault, claim)
                        entry = trail.append(conn, "test.release", subject_id, {"n": n, "k": k})
                        if rng.random() < 0.25:
                            raise psycopg.Rollback(tx)
                        with guard:
                            committed.append((entry, subject_id))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    def sequencer() -> None:
        while not done.is_set():
            _sequence_now(database_url, key)

    running = threading.Thread(target=sequencer)
    releases = [threading.Thread(target=release, args=(n,)) for n in range(4)]
    running.start()
    for thread in releases:
        thread.start()
    for thread in releases:
        thread.join(timeout=120)
    done.set()
    running.join(timeout=60)
    assert failures == []
    _sequence_now(database_url, key)
    with psycopg.connect(database_url) as conn:
        assert len({_worker_of(conn, s) for _, s in committed}) == 2
        indexes = sorted(
            i for e, _ in committed if (i := audit_repo.leaf_index_of(conn, e)) is not None
        )
    assert indexes == list(range(start, start + len(committed)))
    with psycopg.connect(database_url, row_factory=dict_row) as logged, logged.transaction():
        tree.publish_head(logged, key, datetime.now(UTC))
        result = verify_log(logged, [key.public_key])
    assert result.ok, result.problems


def _route(database_url: str, kind: str, id_: UUID | bytes) -> list[UUID]:
    """The subjects `id_routes` names for an id (one, once its row is written)."""
    key = id_.bytes if isinstance(id_, UUID) else id_
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT subject_id FROM id_routes WHERE id = %s AND kind = %s", (key, kind)
        ).fetchall()
    return [row[0] for row in rows]


def test_a_consent_grant_a_pull_and_its_redelivery_each_touch_one_shard_group(
    one_shard_client: TestClient, database_url: str, person: Person, lumen: Org
) -> None:
    made = grant(one_shard_client, person, lumen)
    assert _route(database_url, "grant", UUID(made["grant_id"])) == [person.subject_id]
    pulled = pull(one_shard_client, lumen, made["grant_id"])
    assert pulled.status_code == 201, pulled.text
    report_id = UUID(pulled.json()["report_id"])
    assert pulled.json()["report"]["file"]["tradelines"], "the pull read the file"
    assert _route(database_url, "report", report_id) == [person.subject_id]
    again = one_shard_client.get(f"/v1/reports/{report_id}", headers=lumen.headers)
    assert again.status_code == 200, again.text
    assert again.content == pulled.content


def test_a_report_id_or_grant_id_unknown_to_its_route_is_not_found_on_one_shard(
    one_shard_client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    made = grant(one_shard_client, person, lumen)
    report_id = pull(one_shard_client, lumen, made["grant_id"]).json()["report_id"]
    assert one_shard_client.get(f"/v1/reports/{report_id}", headers=acme.headers).status_code == 404
    assert one_shard_client.get(f"/v1/reports/{uuid4()}", headers=lumen.headers).status_code == 404
    assert one_shard_client.get(f"/v1/grants/{uuid4()}", headers=lumen.headers).status_code == 404
    assert pull(one_shard_client, lumen, str(uuid4())).status_code == 403


def test_the_lenders_read_and_the_subjects_revocation_of_a_grant_touch_one_shard_group(
    one_shard_client: TestClient, person: Person, lumen: Org, acme: Org
) -> None:
    made = grant(one_shard_client, person, lumen)
    seen = one_shard_client.get(f"/v1/grants/{made['grant_id']}", headers=lumen.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["grant_id"] == made["grant_id"]
    theirs = one_shard_client.get(f"/v1/grants/{made['grant_id']}", headers=acme.headers)
    assert theirs.status_code == 404
    revoked = one_shard_client.delete(f"/v1/me/consents/{made['grant_id']}", headers=person.headers)
    assert revoked.status_code == 200, revoked.text
    assert pull(one_shard_client, lumen, made["grant_id"]).status_code == 403


def test_a_disclosure_touches_one_shard_group(one_shard_client: TestClient, person: Person) -> None:
    shown = one_shard_client.get("/v1/me/file", headers=person.headers)
    assert shown.status_code == 200, shown.text
    ids = [t["tradeline_id"] for t in shown.json()["tradelines"]]
    assert str(person.northwind_tradeline) in ids


def test_a_dispute_filing_and_the_furnishers_read_of_it_touch_one_shard_group(
    one_shard_client: TestClient, database_url: str, person: Person, northwind: Org
) -> None:
    filed = one_shard_client.post(
        "/v1/me/disputes",
        json={
            "item": {"kind": "account", "id": str(person.northwind_tradeline),
                     "field": "current_balance"},
            "reason": "inaccurate-balance",
            "description": "I paid this card off in March.",
        },
        headers=person.headers,
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    dispute_id = UUID(filed.json()["dispute_id"])
    assert _route(database_url, "dispute", dispute_id) == [person.subject_id]
    case = one_shard_client.get(f"/v1/furnisher/disputes/{dispute_id}", headers=northwind.headers)
    assert case.status_code == 200, case.text
    assert case.json()["dispute_id"] == str(dispute_id)


def _cycle(people: list[IdentityClaim], as_of: date, seed: int) -> list[dict[str, Any]]:
    """Two accounts of each person as JSON records, the same account numbers every cycle."""
    return [
        account_record(claim, as_of, seed * 1000 + 10 * n + k)
        for n, claim in enumerate(people)
        for k in (1, 2)
    ]


def _ingest_census(
    database_url: str, vault: Vault, furnisher: UUID, records: list[dict[str, Any]]
) -> Census:
    """One ingest of the records, committed, on a connection whose statements are counted."""
    census = Census()
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        census.attach(conn)
        conn.autocommit = False
        report = ingest_json(conn, vault, furnisher, records)
        conn.commit()
    assert report.accepted == len(records) and report.rejected == 0, report.to_json()
    return census


def test_an_ingest_fans_out_once_per_batch_step_never_per_subject(
    database_url: str, vault: Vault, sandbox: SeedResult
) -> None:
    """The ingest is set-based: a batch's steps are each one statement for the whole batch.
    With one subject in the batch, every statement keyed by subjects or blind-index values
    (`= ANY(...)`) reads one shard, and only the steps joining the batch's staging tables
    with the distributed tables go over the shards. With eight subjects, each statement that
    goes over the shards does so as many times as it ran for one: none is per subject. Both
    for a file of new people and for their next cycle."""
    northwind = UUID(sandbox.org_keys["northwind"]["org_id"])
    seed = random.randrange(10**6)

    def people(n: int) -> list[IdentityClaim]:
        return [new_claim("Batch Person", date(1970 + i, 3, 9)) for i in range(n)]

    def cycles(group: list[IdentityClaim]) -> list[Census]:
        return [
            _ingest_census(database_url, vault, northwind, _cycle(group, as_of, seed + len(group)))
            for as_of in (date(2026, 9, 30), date(2026, 10, 31))
        ]

    for one, eight in zip(cycles(people(1)), cycles(people(8)), strict=True):
        assert one.multi_shard, "the merge's steps go over the shards: the census sees them"
        assert [q for q in one.multi_shard if "= ANY(" in q] == []
        for statement, times in Counter(eight.multi_shard).items():
            assert times == one.ran[statement], (statement, times, one.ran[statement])


def test_an_id_belongs_to_one_subject_across_the_cluster(
    one_shard: psycopg.Connection[Any],
) -> None:
    """The route's key holds on the cluster, as the id's unique index does on one node: a
    second subject cannot take an id, and a credential id already held is not claimed."""
    report_id, first, second = uuid4(), uuid4(), uuid4()
    with one_shard.transaction(force_rollback=True):
        id_routes.add(one_shard, "report", report_id, first)
        with pytest.raises(psycopg.errors.UniqueViolation), one_shard.transaction():
            id_routes.add(one_shard, "report", report_id, second)
        assert id_routes.subject_of(one_shard, "report", report_id) == first
        credential = f"cred_{uuid4().hex}"
        assert id_routes.claim(one_shard, "credential", credential, first)
        assert not id_routes.claim(one_shard, "credential", credential, second)
        assert id_routes.claim(one_shard, "credential", credential, first)


def test_an_oauth_code_is_found_and_settled_on_its_subjects_shard(
    one_shard: psycopg.Connection[Any], person: Person, lumen: Org
) -> None:
    now = datetime.now(UTC)
    code_hash, grant_id = secrets.token_bytes(32), uuid4()
    with one_shard.transaction(force_rollback=True):
        oauth_repo.insert_authorization(one_shard, {
            "grant_id": grant_id, "subject_id": person.subject_id, "client_id": lumen.org_id,
            "redirect_uri": "https://lumen.example/back", "purpose": "credit-transaction",
            "scope": "full", "valid_from": now, "expires_at": now + timedelta(days=30),
            "max_uses": 1, "code_hash": code_hash, "code_challenge": "x" * 43,
            "code_expires_at": now + timedelta(seconds=60), "created_at": now,
        })  # fmt: skip
        found = oauth_repo.authorization_by_code(one_shard, code_hash)
        assert found is not None and found.grant_id == grant_id and found.status == "pending"
        assert oauth_repo.authorization_by_code(one_shard, secrets.token_bytes(32)) is None
        oauth_repo.settle_authorization(one_shard, person.subject_id, grant_id, "exchanged", now)
        settled = oauth_repo.authorization_by_code(one_shard, code_hash)
        assert settled is not None and settled.status == "exchanged"


def test_a_portal_session_is_read_touched_and_revoked_on_its_subjects_shard(
    one_shard: psycopg.Connection[Any], person: Person
) -> None:
    now = datetime.now(UTC)
    session_hash = secrets.token_bytes(32)
    with one_shard.transaction(force_rollback=True):
        row = one_shard.execute(
            "SELECT credential_id FROM subject_credentials WHERE subject_id = %s",
            (person.subject_id,),
        ).fetchone()
        assert row is not None
        web_repo.insert_session(
            one_shard, person.subject_id, session_hash, row[0], now, now + timedelta(hours=8)
        )
        web_repo.touch_session(one_shard, session_hash, now + timedelta(minutes=5))
        web_repo.revoke_session(one_shard, session_hash, now + timedelta(minutes=6))
        stored = web_repo.session(one_shard, session_hash)
        assert stored is not None and stored.subject_id == person.subject_id
        assert stored.last_seen_at == now + timedelta(minutes=5)
        assert stored.revoked_at == now + timedelta(minutes=6)
        assert web_repo.session(one_shard, secrets.token_bytes(32)) is None
