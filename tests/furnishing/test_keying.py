"""Accounts keyed a batch at a time, in the ingest's thread or in worker processes: the same
blind indexes as one value at a time, the same accounts in the same order, and the same file
landing either way."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.auth import repo as auth_repo
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.keying import accounts_of, keyed_accounts, keyed_records, pack
from bureau.furnishing.keying_pool import KeyingPipeline, configured_workers, pool
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import account, records
from bureau.furnishing.metro2.write import to_bytes
from bureau.subjects.address import index_value
from bureau.vault import Vault
from tests.furnishing.conftest import co_borrower, metro2_file

AS_OF = date(2026, 10, 31)
CODE = "FAIRFILESANDBOX01"


def _mixed_file() -> bytes:
    """Plain base records, joint accounts (J2) and a renumbered account (L1)."""
    rng = random.Random(7)
    entries: list[Any] = []
    for number in range(12):
        values = account(rng, AS_OF, furnisher=CODE, number=number)
        values.update(account_status="11", amount_past_due=0)
        if number % 4 == 1:
            entries.append((values, [co_borrower(100 + number)]))
        elif number == 6:
            entries.append((values, [("L1", {"change_indicator": 1,
                                             "new_consumer_account_number": "NEW-0006"})]))  # fmt: skip
        else:
            entries.append(values)
    return metro2_file(entries, AS_OF)


def _bases(data: bytes) -> list[Record]:
    return [i for i in parse_bytes(data) if isinstance(i, Record) and i.kind == "base"]


def test_keyed_accounts_carry_the_vaults_blind_indexes_one_by_one(vault: Vault) -> None:
    furnisher = UUID(int=5)
    accounts = [a for record in _bases(_mixed_file()) for a in accounts_of(record)]
    assert {a.role for a in accounts} == {"base", "J2"}
    keyed = keyed_accounts(vault.blind_indexer(), furnisher, accounts)
    assert [k.account for k in keyed] == accounts
    for k in keyed:
        a = k.account
        assert k.ref == vault.blind_index("account", f"{furnisher}:{a.account_number}")
        assert k.keys == {kind: vault.blind_index(kind, index_value(value))
                          for kind, value in a.identity.facts()}  # fmt: skip
        assert list(k.keys) == [kind for kind, _ in a.identity.facts()]
        expected = (vault.blind_index("account", f"{furnisher}:{a.new_account_number}")
                    if a.new_account_number else None)  # fmt: skip
        assert k.new_ref == expected
    assert sum(k.new_ref is not None for k in keyed) == 1


def test_worker_processes_key_batches_as_the_ingests_thread_does_in_file_order(
    vault: Vault,
) -> None:
    furnisher = UUID(int=9)
    bases = _bases(_mixed_file()) + _bases(to_bytes(records(30, seed=3, furnisher=CODE)))
    batches = [bases[i : i + 5] for i in range(0, len(bases), 5)]
    indexer = vault.blind_indexer()
    delivered: list[list[Any]] = []
    pipeline = KeyingPipeline(pool(2), indexer, furnisher, delivered.append, depth=3)
    for batch in batches:
        pipeline.submit([pack(r) for r in batch])
    pipeline.drain()
    assert delivered == [keyed_records(indexer, furnisher, [pack(r) for r in b]) for b in batches]
    in_thread = [keyed_accounts(indexer, furnisher, [a for r in b for a in accounts_of(r)])
                 for b in batches]  # fmt: skip
    assert delivered == in_thread


def _stored(conn: psycopg.Connection[Any], furnisher: UUID) -> list[dict[str, Any]]:
    """The furnisher's accounts as stored, without what differs between two runs by design
    (random subject ids, ciphertexts under fresh nonces, times)."""
    rows = conn.execute("SELECT * FROM tradelines WHERE furnisher_id = %s ORDER BY tradeline_id",
                        (furnisher,)).fetchall()  # fmt: skip
    return [{k: v for k, v in row.items() if not (k.endswith(("subject_id", "_ct", "_at")))}
            for row in rows]  # fmt: skip


def test_a_file_keyed_by_workers_lands_as_one_keyed_in_the_ingests_thread(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    furnisher = UUID(int=0xF00D)
    data = _mixed_file()
    seen = []
    for workers in (2, 0):
        with conn.transaction(force_rollback=True):  # both runs start from the same database
            auth_repo.insert_organization(conn, furnisher, "Furnisher", ["furnisher"], CODE,
                                          "1 LEDGER WAY, CASPER, WY 82601", "3075550100")  # fmt: skip
            report = ingest_metro2(conn, vault, furnisher, io.BytesIO(data), workers=workers)
            summary = report.summary()
            summary.pop("batch_id", None)
            seen.append((summary, report.subjects_created, report.renumbered,
                         _stored(conn, furnisher)))  # fmt: skip
    assert seen[0] == seen[1]
    assert seen[0][1] > 12 and len(seen[0][3]) == 15  # new people, joint holders' rows


def test_the_number_of_workers_is_a_whole_number_or_refused() -> None:
    assert configured_workers({"FAIRFILE_INGEST_WORKERS": "0"}) == 0
    assert configured_workers({"FAIRFILE_INGEST_WORKERS": " 3 "}) == 3
    assert configured_workers({}) >= 1
    with pytest.raises(ValueError, match="FAIRFILE_INGEST_WORKERS must be a whole number"):
        configured_workers({"FAIRFILE_INGEST_WORKERS": "two"})


def test_ending_the_workers_returns_and_a_later_ingest_starts_them_again() -> None:
    # In a child interpreter, so that a hang fails this test instead of the whole suite: ending
    # the pool once dropped its last reference inside `shutdown`'s lock, and the finalizer tied
    # to the pool then waited on that lock for ever (a benchmark's cycle never returned).
    script = (
        "from bureau.furnishing import keying_pool as k\n"
        "assert k.pool(1).submit(int, '1').result() == 1\n"
        "k.shutdown()\n"
        "assert k.pool(1).submit(int, '2').result() == 2\n"
        "k.pool(2)\n"  # a new size replaces the pool (the old one is shut down)
        "k.shutdown()\n"
        "print('ended')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ended"
