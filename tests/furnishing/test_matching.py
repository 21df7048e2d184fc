"""Matching under concurrency: two ingests (or an ingest and an enrolment) that report the same
new person at the same moment open one file between them, never two, and never deadlock over it
(bureau/subjects/creation.py); two ingests adding the same new identity facts to files already
held never deadlock either, and an ingest PostgreSQL stops anyway is refused as a whole with a
409 (bureau/furnishing/ingest.py). The rules themselves are specified in test_ingest.py.

Each test commits (in the module's own database): one transaction is held open while the other
runs in a thread, and the test proceeds when PostgreSQL shows the thread waiting for a lock
(polled in pg_locks), or when the thread has finished without waiting, which is the race."""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.db.pool import open_pool, transaction
from bureau.furnishing.accounts import account_from_record
from bureau.furnishing.ingest import IngestContended, _Ingest, ingest_metro2
from bureau.furnishing.matching import Keyed, Matcher
from bureau.furnishing.metro2.records import Value
from bureau.furnishing.metro2.synthetic import account, person
from bureau.furnishing.metro2.write import compose_record
from bureau.furnishing.report import IngestReport
from bureau.subjects import creation
from bureau.subjects.creation import (
    CREATION_LOCK,
    NewPeopleContended,
    matching_keys,
    person_lock_key,
)
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.subjects.enrolment import match as enrolment_match
from bureau.vault import Vault
from tests.cluster import local as local_cluster
from tests.furnishing.conftest import add_furnisher, metro2_file

AS_OF = date(2026, 10, 31)
_codes = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def pool(committed_url: str) -> Iterator[ConnectionPool]:
    """Connections to the module's own database (work here is committed)."""
    pool = open_pool(committed_url, max_size=4)
    yield pool
    pool.close()


@pytest.fixture
def observer(committed_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection outside every transaction under test, to read pg_locks."""
    with psycopg.connect(committed_url, autocommit=True) as conn:
        yield conn


def _furnishers(pool: ConnectionPool, n: int) -> list[tuple[UUID, str]]:
    """New furnishers (id, Metro 2 identification number), committed."""
    made = []
    with transaction(pool) as conn:
        for _ in range(n):
            code = f"CREATION{next(_codes):09d}"
            made.append((add_furnisher(conn, code), code))
    return made


def _people(seed: int, n: int) -> list[dict[str, Value]]:
    rng = random.Random(seed)
    return [person(rng) for _ in range(n)]


def _file(code: str, people: list[dict[str, Value]]) -> bytes:
    return metro2_file([account(random.Random(n), AS_OF, furnisher=code, number=n, who=who)
                        for n, who in enumerate(people, start=1)], AS_OF)  # fmt: skip


class Run(threading.Thread):
    """One ingest in its own transaction, committed when it returns."""

    def __init__(self, pool: ConnectionPool, vault: Vault, furnisher: UUID, data: bytes) -> None:
        super().__init__(daemon=True)
        self.pool, self.vault, self.furnisher, self.data = pool, vault, furnisher, data
        self.pid = 0
        self.connected = threading.Event()
        self.report: IngestReport | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction(self.pool) as conn:
                self.pid = conn.info.backend_pid
                self.connected.set()
                self.report = ingest_metro2(conn, self.vault, self.furnisher,
                                            io.BytesIO(self.data))  # fmt: skip
        except BaseException as exc:  # asserted by the test
            self.error = exc
        finally:
            self.connected.set()

    def finished(self) -> IngestReport:
        self.join(timeout=60)
        assert not self.is_alive(), "the ingest never finished"
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report


def _waiting(observer: psycopg.Connection[Any], pid: int) -> bool:
    row = observer.execute(
        "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND NOT granted",
        (pid,),
    ).fetchone()
    return row is not None and row[0] > 0


def _blocked(observer: psycopg.Connection[Any], run: Run) -> bool:
    """Whether `run` waits for an advisory lock (True) or finished without waiting (False)."""
    assert run.connected.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _waiting(observer, run.pid):
            return True
        if not run.is_alive():
            return False
        time.sleep(0.005)  # polling a condition, not a guess at how long the work takes
    raise AssertionError("the ingest neither waited for a lock nor finished")


def _held(observer: psycopg.Connection[Any], pid: int) -> int:
    """The advisory locks the bureau holds; on Citus not counting Citus's own (its shard and
    metadata locks are advisory locks too, told apart by a field of 4 or more, `objsubid`)."""
    row = observer.execute(
        "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND granted "
        "AND objsubid IN (1, 2)",
        (pid,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _subjects(pool: ConnectionPool, furnishers: list[UUID]) -> dict[UUID, int]:
    """Subject -> number of tradelines, over these furnishers' accounts."""
    with transaction(pool) as conn:
        rows = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT subject_id, count(*) AS n FROM tradelines WHERE furnisher_id = ANY(%s) "
                "GROUP BY subject_id",
                (furnishers,),
            )
            .fetchall()
        )
    return {r["subject_id"]: r["n"] for r in rows}


def _lock_key(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID,
              values: dict[str, Value]) -> int:  # fmt: skip
    """The first person lock key the ingest takes for this record's new person (it takes all
    of the person's keys, in ascending order)."""
    keyed = Matcher(conn, vault, furnisher).keyed(
        account_from_record(compose_record("base", values))
    )
    keys = [person_lock_key(*key) for key in matching_keys(keyed.keys)]
    assert len(keys) == 2  # national id + date of birth, name + date of birth + address
    return min(keys)


def test_two_furnishers_reporting_the_same_new_person_at_once_open_one_file(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    who = _people(101, 1)
    with transaction(pool) as conn:
        first = ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, who)))
        second = Run(pool, vault, b, _file(code_b, who))
        second.start()
        waited = _blocked(observer, second)  # the first has not committed its new file yet
    report = second.finished()
    assert waited, "the second ingest did not wait for the first one's new file"
    assert first.subjects_created == 1
    assert report.subjects_created == 0 and report.matched["national_id+dob"] == 1
    assert list(_subjects(pool, [a, b]).values()) == [2]  # one file holding both accounts


def test_a_person_reported_without_national_id_waits_for_the_file_being_opened_by_name(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    who = [dict(p, ssn=0) for p in _people(102, 1)]
    with transaction(pool) as conn:
        ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, who)))
        second = Run(pool, vault, b, _file(code_b, who))
        second.start()
        waited = _blocked(observer, second)
    report = second.finished()
    assert waited and report.matched["name+dob+address"] == 1
    assert list(_subjects(pool, [a, b]).values()) == [2]


def test_two_ingests_locking_the_same_new_people_in_opposite_orders_do_not_deadlock(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """Both wait on the lowest person key, held by a third transaction; when it lets go, the
    first waiter takes it. Had each locked in record order, the second would already hold the
    higher-keyed person and the two would deadlock."""
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    people = _people(103, 2)
    with transaction(pool) as conn:
        keys = [_lock_key(conn, vault, a, account(random.Random(1), AS_OF, furnisher=code_a,
                                                  who=who)) for who in people]  # fmt: skip
    low, high = sorted(zip(keys, people, strict=True), key=lambda pair: pair[0])
    with pool.connection() as blocker:
        blocker.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (low[0],))
        first = Run(pool, vault, a, _file(code_a, [low[1], high[1]]))
        first.start()
        assert _blocked(observer, first)
        second = Run(pool, vault, b, _file(code_b, [high[1], low[1]]))
        second.start()
        assert _blocked(observer, second)
        blocker.rollback()
    reports = [first.finished(), second.finished()]
    assert sorted(r.subjects_created for r in reports) == [0, 2]
    assert sorted(_subjects(pool, [a, b]).values()) == [2, 2]  # two people, one file each


def test_a_file_of_many_new_people_takes_one_creation_lock_and_still_excludes_others(
    pool: ConnectionPool,
    vault: Vault,
    observer: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the limit of person locks (PostgreSQL's lock table is shared and bounded), the
    ingest takes the creation lock exclusive instead, and a concurrent report of one of its
    new people still waits and then matches."""
    monkeypatch.setattr(creation, "KEYED_LIMIT", 2)
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    people = _people(104, 3)
    with transaction(pool) as conn:
        first = ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, people)))
        held = _held(observer, conn.info.backend_pid)
        second = Run(pool, vault, b, _file(code_b, people[1:2]))
        second.start()
        waited = _blocked(observer, second)
    report = second.finished()
    assert first.subjects_created == 3
    # the furnisher's lock, the creation lock and the vault's master-keys lock (held shared while
    # data keys are wrapped, docs/vault.md); no lock per person
    assert held == 3
    assert waited and report.subjects_created == 0
    assert sorted(_subjects(pool, [a, b]).values()) == [1, 1, 2]


def test_two_ingests_each_needing_the_new_file_the_other_opened_refuse_one_of_them(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """A opened P in one batch and now needs Q; B opened Q and now needs P. Neither can decide
    without the other's commit: one is refused as contended (nothing of it is kept, a resend
    matches), the other goes on."""
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    p, q = _people(105, 2)

    def keyed(matcher: Matcher, code: str, who: dict[str, Value], n: int) -> list[Keyed]:
        values = account(random.Random(n), AS_OF, furnisher=code, number=n, who=who)
        return [matcher.keyed(account_from_record(compose_record("base", values)))]

    outcomes: dict[str, BaseException | None] = {}
    with pool.connection() as conn_a, pool.connection() as conn_b:
        matcher_a, matcher_b = Matcher(conn_a, vault, a), Matcher(conn_b, vault, b)
        matcher_a.resolve(keyed(matcher_a, code_a, p, 1))  # A opens P's file
        matcher_b.resolve(keyed(matcher_b, code_b, q, 1))  # B opens Q's file

        def resolve(name: str, matcher: Matcher, batch: list[Keyed]) -> None:
            try:
                matcher.resolve(batch)
                outcomes[name] = None
            except BaseException as exc:  # asserted below
                outcomes[name] = exc

        crossing = threading.Thread(target=resolve, daemon=True,
                                    args=("a", matcher_a, keyed(matcher_a, code_a, q, 2)))  # fmt: skip
        crossing.start()  # A now needs Q: it waits for B
        deadline = time.monotonic() + 30
        while not _waiting(observer, conn_a.info.backend_pid):
            assert crossing.is_alive() and time.monotonic() < deadline
            time.sleep(0.005)
        resolve("b", matcher_b, keyed(matcher_b, code_b, p, 2))  # B now needs P
        crossing.join(timeout=60)
        conn_a.rollback()
        conn_b.rollback()
    refused = [name for name, error in outcomes.items() if error is not None]
    assert len(outcomes) == 2 and len(refused) == 1
    error = outcomes[refused[0]]
    assert isinstance(error, NewPeopleContended) and error.field == "records"


def test_a_person_enrolling_while_a_furnisher_opens_their_file_gets_that_file(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    ((a, code_a),) = _furnishers(pool, 1)
    who = _people(106, 1)[0]
    claim = IdentityClaim(name="Their Own Spelling", national_id=str(who["ssn"]),
                          dob=who["date_of_birth"])  # type: ignore[arg-type]  # fmt: skip
    outcome: list[tuple[UUID, bool]] = []
    with transaction(pool) as conn:
        ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, [who])))
        enrolling = Enrolment(pool, vault, claim, outcome)
        enrolling.start()
        waited = _blocked(observer, enrolling)
    enrolling.join(timeout=60)
    assert waited and enrolling.error is None
    ((subject_id, created),) = outcome
    assert not created and list(_subjects(pool, [a])) == [subject_id]


class Enrolment(Run):
    """An enrolment in its own transaction, committed when it returns."""

    def __init__(self, pool: ConnectionPool, vault: Vault, claim: IdentityClaim,
                 outcome: list[tuple[UUID, bool]]) -> None:  # fmt: skip
        super().__init__(pool, vault, UUID(int=0), b"")
        self.claim, self.outcome = claim, outcome

    def run(self) -> None:
        try:
            with transaction(self.pool) as conn:
                self.pid = conn.info.backend_pid
                self.connected.set()
                self.outcome.append(enrol(conn, self.vault, self.claim))
        except BaseException as exc:  # asserted by the test
            self.error = exc
        finally:
            self.connected.set()


def test_a_person_reported_with_a_national_id_and_at_once_without_one_gets_one_file(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """The first record is matched by national id, the second (no national id) by name, date
    of birth and address; the first's new file would be found by the second's rule, so the
    first locks that key too and the second waits for it, then matches it."""
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    who = _people(107, 1)
    with transaction(pool) as conn:
        first = ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, who)))
        second = Run(pool, vault, b, _file(code_b, [dict(p, ssn=0) for p in who]))
        second.start()
        waited = _blocked(observer, second)
    report = second.finished()
    assert waited, "the ingest without the national id did not wait for the file being opened"
    assert first.subjects_created == 1
    assert report.subjects_created == 0 and report.matched["name+dob+address"] == 1
    assert list(_subjects(pool, [a, b]).values()) == [2]


def test_the_person_lock_limit_counts_keys_not_records(
    pool: ConnectionPool,
    vault: Vault,
    observer: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two new people with a national id and an address are four person locks: past a limit
    of three, the ingest takes the creation lock exclusive instead of any of them."""
    monkeypatch.setattr(creation, "KEYED_LIMIT", 3)
    (a, code_a), (b, code_b) = _furnishers(pool, 2)
    with transaction(pool) as conn:
        exclusive = ingest_metro2(conn, vault, a, io.BytesIO(_file(code_a, _people(108, 2))))
        held_exclusive = _held(observer, conn.info.backend_pid)
    with transaction(pool) as conn:
        keyed = ingest_metro2(conn, vault, b, io.BytesIO(_file(code_b, _people(109, 1))))
        held_keyed = _held(observer, conn.info.backend_pid)
    assert exclusive.subjects_created == 2 and keyed.subjects_created == 1
    # Both also hold the vault's master-keys lock (shared while new data keys are wrapped).
    assert held_exclusive == 3  # the furnisher's lock and the creation lock, exclusive
    assert held_keyed == 5  # the furnisher's, the creation lock shared, the person's two


class Step(threading.Thread):
    """One call in a thread, its failure kept for the test."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.call()
        except BaseException as exc:  # asserted by the test
            self.error = exc

    def done(self) -> None:
        self.join(timeout=60)
        assert not self.is_alive(), "the step never finished"
        if self.error is not None:
            raise self.error


def _waits_for_any_lock(observer: psycopg.Connection[Any], pid: int, step: Step) -> bool:
    """Whether the step's connection waits for any lock (a row another transaction inserted,
    an advisory lock), or False once the step has finished without waiting."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row = observer.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,)
        ).fetchone()
        if row is not None and row[0] > 0:
            return True
        if local_cluster.waits_on_a_worker(observer, pid):  # a row lock on the cluster
            return True
        if not step.is_alive():
            return False
        time.sleep(0.005)
    raise AssertionError("the step neither waited for a lock nor finished")


def _ingest(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID) -> _Ingest:
    """An ingest driven batch by batch (as the background writer drives it)."""
    run = _Ingest(conn, vault, furnisher, "json", random.randbytes(32))
    assert not run.already_applied()
    return run


def _batch(run: _Ingest, code: str, who: dict[str, Value], n: int) -> list[Keyed]:
    values = account(random.Random(n), AS_OF, furnisher=code, number=n, who=who)
    return [run.matcher.keyed(account_from_record(compose_record("base", values)))]


def _moved(who: dict[str, Value], n: int) -> dict[str, Value]:
    return dict(who, address_line_1=f"{n} NEW DEAL PKWY")


def _addresses(pool: ConnectionPool, subjects: list[UUID]) -> int:
    with transaction(pool) as conn:
        row = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM identity_facts WHERE subject_id = ANY(%s) "
                "AND kind = 'address'",
                (subjects,),
            )
            .fetchone()
        )
    assert row is not None
    return int(row["n"])


def test_two_multi_batch_ingests_adding_the_same_new_facts_in_crossed_order_both_land(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """P and Q, already on file, have moved. A reports P's new address in its first batch and
    Q's in its second; B the other way round. Written batch by batch, A would hold P's and
    wait for Q's, B hold Q's and wait for P's: a deadlock. Written once, at the end of each
    ingest, in one order, the second to write waits for the first to commit and skips them."""
    (a, code_a), (b, code_b), (c, code_c) = _furnishers(pool, 3)
    p, q = _people(110, 2)
    with transaction(pool) as conn:
        ingest_metro2(conn, vault, c, io.BytesIO(_file(code_c, [p, q])))
    held = list(_subjects(pool, [c]))
    with pool.connection() as conn_a, pool.connection() as conn_b:
        run_a, run_b = _ingest(conn_a, vault, a), _ingest(conn_b, vault, b)
        run_a.apply(_batch(run_a, code_a, _moved(p, 1), 1))
        run_b.apply(_batch(run_b, code_b, _moved(q, 2), 1))
        crossing = Step(lambda: run_a.apply(_batch(run_a, code_a, _moved(q, 2), 2)))
        crossing.start()
        _waits_for_any_lock(observer, conn_a.info.backend_pid, crossing)
        run_b.apply(_batch(run_b, code_b, _moved(p, 1), 2))  # the crossing
        crossing.done()
        reports = [run_a.finish()]
        finishing = Step(lambda: reports.append(run_b.finish()))
        finishing.start()
        waited = _waits_for_any_lock(observer, conn_b.info.backend_pid, finishing)
        conn_a.commit()
        finishing.done()
        conn_b.commit()
    assert waited, "the two ingests did not add the same facts"
    assert [r.matched["national_id+dob"] for r in reports] == [2, 2]
    assert sorted(_subjects(pool, [a, b, c]).values()) == [3, 3]
    assert _addresses(pool, held) == 4  # each has the old address and the new one, once


def test_an_ingest_postgresql_stops_in_a_deadlock_is_refused_whole_as_contended(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """By a route no lock order covers: another transaction has added P's new address and
    waits for the creation lock the ingest holds, and the ingest then adds the same address.
    PostgreSQL stops the ingest (the other is set to look for deadlocks last); it is refused
    with a 409 naming the records, and nothing of it (not even the new person R) is kept."""
    with pool.connection() as conn:
        role = conn.cursor(row_factory=dict_row).execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        )
        if not role.fetchone()["rolsuper"]:  # type: ignore[index]
            pytest.skip("SET deadlock_timeout needs a superuser (the embedded server's role is)")
    (a, code_a), (c, code_c) = _furnishers(pool, 2)
    p, r = _people(111, 2)
    with transaction(pool) as conn:
        ingest_metro2(conn, vault, c, io.BytesIO(_file(code_c, [p])))
        r_key = _lock_key(conn, vault, a, account(random.Random(2), AS_OF, furnisher=code_a,
                                                  who=r))  # fmt: skip
    moved = account_from_record(compose_record("base", account(random.Random(1), AS_OF,
                                furnisher=code_a, who=_moved(p, 3))))  # fmt: skip
    claim = IdentityClaim(name=moved.identity.name, national_id=moved.identity.national_id,
                          dob=moved.identity.dob, addresses=[moved.identity.address.text() if moved.identity.address else ""])  # fmt: skip
    with pool.connection() as other, pool.connection() as gate:
        gate.execute("SELECT pg_advisory_xact_lock(%s::bigint)", (r_key,))
        other.execute("SET LOCAL deadlock_timeout = '1h'")  # (superuser) the ingest finds it
        assert enrol(other, vault, claim)[1] is False  # P's new address, not committed
        ingest = Run(pool, vault, a, _file(code_a, [_moved(p, 3), r]))
        ingest.start()
        assert _blocked(observer, ingest)  # holds the creation lock, waits for R's key
        waiting = Step(lambda: other.execute("SELECT pg_advisory_xact_lock(%s::bigint)",
                                             (CREATION_LOCK,)))  # fmt: skip
        waiting.start()
        assert _waits_for_any_lock(observer, other.info.backend_pid, waiting)
        gate.rollback()  # the ingest goes on, and waits for P's address: a deadlock
        with pytest.raises(IngestContended) as refused:
            ingest.finished()
        try:
            waiting.done()
        except psycopg.errors.DeadlockDetected:
            # Citus's distributed deadlock detector (the cycle spans the coordinator's advisory
            # lock and a worker's row lock) cancels the youngest transaction, the ingest; a
            # round later it may cancel the other too, while the ingest's waits on the workers
            # are still being cancelled (seen once in a run of the cluster subset).
            # One node stops only the ingest, as deadlock_timeout above decides.
            if local_cluster.running() is None:
                raise
        other.rollback()
    assert refused.value.status == 409 and refused.value.field == "records"
    assert isinstance(refused.value.__cause__, psycopg.errors.DeadlockDetected)
    assert _subjects(pool, [a]) == {}
    with transaction(pool) as conn:
        batches = conn.cursor(row_factory=dict_row).execute("SELECT count(*) AS n FROM furnish_batches WHERE furnisher_id = %s",
                               (a,)).fetchone()  # fmt: skip
        r_files = enrolment_match(conn, vault, IdentityClaim(
            name="R", national_id=str(r["ssn"]), dob=r["date_of_birth"]))  # type: ignore[arg-type]  # fmt: skip
    assert batches is not None and batches["n"] == 0
    assert r_files is None


def test_a_report_without_national_id_while_the_person_enrols_waits_and_gets_their_file(
    pool: ConnectionPool, vault: Vault, observer: psycopg.Connection[Any]
) -> None:
    """The enrolment is matched by national id, but the file it opens holds the name, date of
    birth and address a record without a national id is matched by: it locks that key too."""
    ((a, code_a),) = _furnishers(pool, 1)
    who = _people(112, 1)[0]
    identity = account_from_record(compose_record("base", account(
        random.Random(1), AS_OF, furnisher=code_a, who=who))).identity  # fmt: skip
    claim = IdentityClaim(name=identity.name, national_id=identity.national_id,
                          dob=identity.dob, addresses=[identity.address.text() if identity.address else ""])  # fmt: skip
    with transaction(pool) as conn:
        enrolled, created = enrol(conn, vault, claim)
        furnished = Run(pool, vault, a, _file(code_a, [dict(who, ssn=0)]))
        furnished.start()
        waited = _blocked(observer, furnished)
    report = furnished.finished()
    assert created and waited
    assert report.subjects_created == 0 and report.matched["name+dob+address"] == 1
    assert list(_subjects(pool, [a])) == [enrolled]
