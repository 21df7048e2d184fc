"""On the Citus cluster: matching by blind index reads one shard; two enrolments of the same new
person at once open one file although the person's blind indexes live on other nodes than the
coordinator that holds the new-person locks; and the access log (on the coordinator) stays one
gap-free, verifiable sequence when its entries are committed by transactions that also write
subjects on both workers.

A connection with `citus.multi_task_query_log_level = error` refuses any statement that would
run on more than one shard, so a lookup that fans out fails the test. Skipped on one node: there
every statement reads the one server, and tests/subjects/test_creation.py holds the race there.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.audit import repo as audit_repo
from bureau.audit import trail, tree
from bureau.audit.sequencing import sequence
from bureau.audit.tree import verify_log
from bureau.db.pool import transaction
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.subjects.identities import subjects_holding
from bureau.vault import Vault
from tests.cluster import local as local_cluster
from tests.conftest import random_national_id
from tests.subjects.test_creation import race_enrolments

pytestmark = pytest.mark.skipif(
    not local_cluster.requested(),
    reason="router queries exist only on Citus: run with FAIRFILE_TEST_CLUSTER=citus",
)


@pytest.fixture
def one_shard(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection on which any multi-shard statement is an error."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET citus.multi_task_query_log_level = error")
        yield conn


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
