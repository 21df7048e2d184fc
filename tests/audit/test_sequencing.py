"""Sequencing the access log: entries are written with their release and numbered after commit.

These read as the log's guarantees: leaf indexes are contiguous and follow commit order however
releases interleave; a rolled-back release leaves no entry and no gap; entries are immutable
once numbered (the only change the database allows is the numbering itself); and every
inclusion and consistency proof verifies after sequencing, checked with the independent
reference verifier.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bureau.audit import repo, trail, tree
from bureau.audit.log import leaf_hash
from bureau.audit.merkle import verify_consistency, verify_inclusion
from bureau.audit.sequencing import sequence
from bureau.audit.tree import verify_log
from bureau.db.migrate import available
from bureau.signing import SigningKey, signing_key_file
from tests.audit.test_merkle import reference_root_from_path, reference_roots_from_consistency
from tests.consent.conftest import Org, Person
from tests.consent.test_reports import pull
from tests.consent.test_routes import grant


@pytest.fixture
def bureau_key(session_key_file: Path) -> SigningKey:
    return SigningKey.load_or_create(signing_key_file(session_key_file))


@contextmanager
def connect(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        yield connection


def sequence_now(database_url: str, key: SigningKey) -> int:
    """One sequencer run in its own committed transaction, as the background sequencer does."""
    with connect(database_url) as c, c.transaction():
        return sequence(c, key)


def index_of(database_url: str, entry_id: int) -> int | None:
    with connect(database_url) as c:
        return repo.leaf_index_of(c, entry_id)


def log_size(database_url: str) -> int:
    with connect(database_url) as c:
        return repo.log_size(c)


def test_an_entry_is_pending_until_its_release_commits_and_the_sequencer_runs(
    database_url: str,
    bureau_key: SigningKey,
) -> None:
    sequence_now(database_url, bureau_key)
    with connect(database_url) as release:
        with release.transaction():
            entry = trail.append(release, "test.release", None, {"note": "pending"})
            assert (
                sequence_now(database_url, bureau_key) == 0
            )  # not committed: invisible to the sequencer
        assert index_of(database_url, entry) is None
        size = log_size(database_url)
        assert sequence_now(database_url, bureau_key) == 1
    assert index_of(database_url, entry) == size
    assert log_size(database_url) == size + 1


def test_concurrent_releases_get_contiguous_indexes_in_commit_order(
    database_url: str, bureau_key: SigningKey
) -> None:
    sequence_now(database_url, bureau_key)
    start = log_size(database_url)
    with connect(database_url) as a, connect(database_url) as b, connect(database_url) as c:
        # Three releases in flight at once, appended a, b, c; they commit c, a, b.
        for conn in (a, b, c):
            conn.execute("BEGIN")
        ids = {name: trail.append(conn, "test.release", None, {"name": name})
               for name, conn in (("a", a), ("b", b), ("c", c))}  # fmt: skip
        c.commit()
        sequence_now(database_url, bureau_key)
        a.commit()
        sequence_now(database_url, bureau_key)
        b.commit()
        sequence_now(database_url, bureau_key)
    assert [index_of(database_url, ids[n]) for n in ("c", "a", "b")] == [
        start,
        start + 1,
        start + 2,
    ]
    assert log_size(database_url) == start + 3


def test_a_rolled_back_release_leaves_no_entry_and_no_gap(
    database_url: str, bureau_key: SigningKey
) -> None:
    sequence_now(database_url, bureau_key)
    start = log_size(database_url)
    with connect(database_url) as failed, connect(database_url) as ok:
        failed.execute("BEGIN")
        lost = trail.append(failed, "test.release", None, {"outcome": "rolled back"})
        ok.execute("BEGIN")
        kept = trail.append(ok, "test.release", None, {"outcome": "committed"})
        failed.rollback()
        ok.commit()
    assert sequence_now(database_url, bureau_key) == 1
    assert index_of(database_url, kept) == start
    with connect(database_url) as c:
        gone = c.execute("SELECT count(*) AS n FROM audit_log WHERE entry_id = %s", (lost,))
        assert gone.fetchone() == {"n": 0}
        indexes = [
            r["leaf_index"]
            for r in c.execute(
                "SELECT leaf_index FROM audit_log WHERE leaf_index IS NOT NULL ORDER BY leaf_index"
            )
        ]
    assert indexes == list(range(len(indexes)))  # fmt: skip


def test_many_racing_releases_and_sequencers_leave_a_gap_free_log_that_verifies(
    database_url: str, bureau_key: SigningKey
) -> None:
    sequence_now(database_url, bureau_key)
    start = log_size(database_url)
    committed: list[int] = []
    guard = threading.Lock()
    done = threading.Event()

    def release(n: int) -> None:
        rng = random.Random(n)
        with connect(database_url) as c:
            for k in range(8):
                c.execute("BEGIN")
                entry = trail.append(c, "test.release", None, {"worker": n, "k": k})
                time.sleep(rng.random() / 200)
                if rng.random() < 0.25:
                    c.rollback()
                    continue
                c.commit()
                with guard:
                    committed.append(entry)

    def sequencer() -> None:
        while not done.is_set():
            sequence_now(database_url, bureau_key)

    workers = [threading.Thread(target=release, args=(n,)) for n in range(6)]
    running = threading.Thread(target=sequencer)
    running.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    running.join()
    sequence_now(database_url, bureau_key)
    indexes = sorted(i for e in committed if (i := index_of(database_url, e)) is not None)
    assert indexes == list(range(start, start + len(committed)))
    with connect(database_url) as c, c.transaction():
        tree.publish_head(c, bureau_key, datetime.now(UTC))
        result = verify_log(c, [bureau_key.public_key])
    assert result.ok, result.problems


def test_proofs_verify_after_sequencing(
    client: TestClient, database_url: str, person: Person, lumen: Org, auditor: Org
) -> None:
    old = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    made = grant(client, person, lumen)
    response = pull(client, lumen, made["grant_id"])
    assert response.status_code == 201, response.text
    entry_id = response.json()["access_log_entry"]
    assert index_of(database_url, entry_id) is None  # pending until a head is signed

    log_view = client.get("/v1/me/access-log", headers=person.headers).json()
    [mine] = [e for e in log_view["entries"] if e["entry_id"] == entry_id]
    assert mine["event"] == "report.released"
    assert mine["entry"]["report_id"] == response.json()["report_id"]
    assert mine["entry"]["index"] == mine["leaf_index"] == index_of(database_url, entry_id)

    from tests.audit.test_access_log import head_checks_out, unb64

    jwks = client.get("/v1/keys").text
    head = log_view["tree_head"]
    root = head_checks_out(head, jwks)
    leaf = leaf_hash(mine["entry"])
    proof = [unb64(p) for p in mine["inclusion_proof"]]
    assert verify_inclusion(leaf, mine["leaf_index"], head["tree_size"], proof, root)
    assert reference_root_from_path(leaf, mine["leaf_index"], head["tree_size"], proof) == root

    answer = client.get("/v1/audit/consistency", params={"first": old["tree_size"]},
                        headers=auditor.headers).json()  # fmt: skip
    new_root = unb64(answer["second_tree_head"]["root_hash"])
    old_root = head_checks_out(old, jwks)
    proof = [unb64(p) for p in answer["proof"]]
    assert verify_consistency(old["tree_size"], answer["second"], old_root, new_root, proof)
    assert reference_roots_from_consistency(
        old["tree_size"], answer["second"], True, proof, old_root
    ) == (old_root, new_root)


def test_the_cli_numbers_pending_entries_and_verify_then_covers_them(
    database_url: str, session_key_file: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bureau_key: SigningKey,
) -> None:  # fmt: skip
    from bureau.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))
    sequence_now(database_url, bureau_key)
    with connect(database_url) as c, c.transaction():
        entry = trail.append(c, "test.release", None, {"note": "numbered by the operator"})
    assert main(["audit", "sequence"]) == 0
    assert capsys.readouterr().out.strip() == "sequenced 1 entries"
    assert index_of(database_url, entry) is not None
    assert main(["audit", "verify"]) == 0


def test_the_database_allows_only_the_numbering_of_a_pending_entry(
    conn: psycopg.Connection[Any],
    bureau_key: SigningKey,
) -> None:
    entry = trail.append(conn, "test.release", None, {"note": "x"})
    refused = [
        ("UPDATE audit_log SET event = 'other' WHERE entry_id = %s", (entry,)),
        ("DELETE FROM audit_log WHERE entry_id = %s", (entry,)),
        # an index nobody reserved, or a changed entry alongside the index
        ("UPDATE audit_log SET leaf_index = 10000000, leaf_hash = '\\x00', "
         "entry = entry || '{\"index\": 10000000}' WHERE entry_id = %s", (entry,)),
        ("UPDATE audit_log SET leaf_index = (SELECT next_index - 1 FROM audit_log_head), "
         "leaf_hash = '\\x00', entry = '{\"index\": 0}' WHERE entry_id = %s", (entry,)),
    ]  # fmt: skip
    for statement, params in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(statement, params)
    assert sequence(conn, bureau_key) >= 1
    numbered = repo.leaf_index_of(conn, entry)
    assert numbered is not None
    for statement in ("UPDATE audit_log SET leaf_index = leaf_index + 1000000 WHERE entry_id = %s",
                      "UPDATE audit_log SET entry = entry || '{\"x\": 1}' WHERE entry_id = %s",
                      "DELETE FROM audit_log WHERE entry_id = %s"):  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(statement, (entry,))


def test_verify_counts_pending_entries_and_does_not_fail_on_them(
    conn: psycopg.Connection[Any], bureau_key: SigningKey
) -> None:
    tree.publish_head(conn, bureau_key, datetime.now(UTC))
    trail.append(conn, "test.release", None, {"note": "not numbered yet"})
    result = verify_log(conn, [bureau_key.public_key])
    assert result.ok, result.problems
    assert result.pending >= 1


def test_the_migration_keeps_existing_entries_and_reports_where_they_were(server_url: str) -> None:
    """Upgrading a bureau whose log was numbered the old way: indexes, hashes, references stay."""
    name = f"fairfile_upgrade_{uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    try:
        before, after = [[m for m in available() if test(m.version)]
                         for test in (lambda v: v < 50, lambda v: v >= 50)]  # fmt: skip
        with connect(url) as c:
            for m in before:
                c.execute(m.sql.encode())
            for index in range(3):  # the old append: the head row's counter, hash at once
                doc = {"index": index, "event": "old.event", "subject_id": None}
                c.execute("UPDATE audit_log_head SET next_index = next_index + 1")
                c.execute("INSERT INTO audit_log (leaf_index, event, entry, leaf_hash) "
                          "VALUES (%s, 'old.event', %s, %s)",
                          (index, psycopg.types.json.Jsonb(doc), leaf_hash(doc)))  # fmt: skip
            c.commit()
            for m in after:
                c.execute(m.sql.encode())
            c.commit()
            rows = c.execute("SELECT entry_id, leaf_index FROM audit_log ORDER BY entry_id")
            assert [(r["entry_id"], r["leaf_index"]) for r in rows] == [(0, 0), (1, 1), (2, 2)]
            fresh = trail.append(c, "new.event", None, {})
            key = SigningKey.from_seed(b"\x05" * 32)
            assert fresh == 3 and sequence(c, key) == 1 and repo.leaf_index_of(c, fresh) == 3
            tree.publish_head(c, key, datetime.now(UTC))
            result = verify_log(c, [key.public_key])
            assert result.ok and result.entries == 4, result.problems
            fk = c.execute("SELECT confrelid::regclass::text AS t, conkey FROM pg_constraint "
                           "WHERE conrelid = 'reports'::regclass AND contype = 'f' "
                           "AND confrelid = 'audit_log'::regclass").fetchall()  # fmt: skip
            assert len(fk) == 1
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migration_to_positions_by_subject_keeps_every_tip_and_signs_the_map_again(
    server_url: str,
) -> None:
    """Upgrading a bureau whose subject map placed subjects in sequencing order (0181): the
    tips move to the positions their ids give (the same in SQL as in Python), and the next
    run rebuilds and signs the map, which every subject's position then proves."""
    from bureau.audit import access_log, subject_map
    from bureau.audit.own_log import tip_problems
    from bureau.db.migrate import migrate

    name = f"fairfile_upgrade_{uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(server_url, dbname=name)
    key = SigningKey.from_seed(b"\x06" * 32)
    subjects = [uuid4() for _ in range(4)]
    try:
        migrate(url, through=234)
        with connect(url) as c:
            for subject in subjects:
                trail.append(c, "report.released", subject, {"n": 1})
            sequence(c, key)
            # as 0181 left them: positions 0, 1, … in subject order, and a map over those
            c.execute("UPDATE audit_subject_tips t SET map_position = n.p FROM (SELECT "
                      "subject_id, row_number() OVER (ORDER BY subject_id) - 1 AS p FROM "
                      "audit_subject_tips) n WHERE n.subject_id = t.subject_id")  # fmt: skip
            c.commit()
        migrate(url)
        with connect(url) as c:
            positions = {t.subject_id: t.position for t in repo.all_subject_tips(c)}
            assert positions == {str(s): subject_map.position_of(str(s)) for s in subjects}
            sequence(c, key)
            assert verify_log(c, [key.public_key]).ok
            for subject in subjects:
                tip = access_log.subject_tip(c, subject)
                assert tip is not None and tip["entries"] == 1
                shown = [{"leaf_index": tip["last_index"], "leaf_hash": tip["last_hash"],
                          "entry": {"subject_id": str(subject), "subject_entry": 1}}]  # fmt: skip
                size = int(tip["checkpoint"]["tree_size"])
                assert tip_problems(tip, shown, [key.public_key], size, str(subject)) == []
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
