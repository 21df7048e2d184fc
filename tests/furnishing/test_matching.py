"""Matching under concurrency: two ingests (or an ingest and an enrolment) that report the same
new person at the same moment open one file between them, never two, and never deadlock over it
(bureau/subjects/creation.py). The rules themselves are specified in test_ingest.py.

Each test commits (in the module's own database): one transaction is held open while the other
runs in a thread, and the test proceeds when PostgreSQL shows the thread waiting for a lock
(polled in pg_locks), or when the thread has finished without waiting, which is the race."""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from bureau.db.pool import open_pool, transaction
from bureau.furnishing.accounts import account_from_record
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.matching import Keyed, Matcher
from bureau.furnishing.metro2.records import Value
from bureau.furnishing.metro2.synthetic import account, person
from bureau.furnishing.metro2.write import compose_record
from bureau.furnishing.report import IngestReport
from bureau.subjects import creation
from bureau.subjects.creation import NewPeopleContended, matching_key, person_lock_key
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
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
    row = observer.execute(
        "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND granted",
        (pid,),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _subjects(pool: ConnectionPool, furnishers: list[UUID]) -> dict[UUID, int]:
    """Subject -> number of tradelines, over these furnishers' accounts."""
    with transaction(pool) as conn:
        rows = conn.execute(
            "SELECT subject_id, count(*) AS n FROM tradelines WHERE furnisher_id = ANY(%s) "
            "GROUP BY subject_id",
            (furnishers,),
        ).fetchall()
    return {r["subject_id"]: r["n"] for r in rows}


def _lock_key(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID,
              values: dict[str, Value]) -> int:  # fmt: skip
    """The person lock key the ingest takes for this record's new person."""
    keyed = Matcher(conn, vault, furnisher).keyed(
        account_from_record(compose_record("base", values))
    )
    key = matching_key(keyed.keys)
    assert key is not None
    return person_lock_key(*key)


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
    """Both wait on the lower-keyed person held by a third transaction; when it lets go, the
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
