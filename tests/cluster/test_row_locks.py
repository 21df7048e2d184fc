"""Jobs that lock rows of many subjects lock them one shard at a time on Citus, which refuses a
row lock over several shards (bureau/db/shard_groups.py): the dispute deadline job (its test of
two jobs at once is tests/disputes/test_reinvestigation.py) and a master-key rotation.

Here: the subjects are grouped as Citus places them; a rotation's page of data keys is held
until its transaction ends (on one node too); and on Citus, a key shredded between the page's
unlocked read and its lock drops out, and the page moves on rather than ending the rotation.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from bureau.db import shard_groups
from bureau.db.pool import transaction
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from bureau.vault import repo as vault_repo
from tests.cluster import local as local_cluster

on_the_cluster = pytest.mark.skipif(
    not local_cluster.requested(),
    reason="shards exist only on Citus: run with FAIRFILE_TEST_CLUSTER=citus",
)


def _shard_of(conn: psycopg.Connection[dict[str, Any]], subject_id: UUID) -> int:
    row = conn.execute(
        "SELECT get_shard_id_for_distribution_column('subjects', %s) AS shard", (subject_id,)
    ).fetchone()
    assert row is not None
    return int(row["shard"])


def _committed_subjects(pool: ConnectionPool, vault: Vault, n: int) -> list[UUID]:
    """n new files, committed, in id order (each with a data key under the active master key)."""
    made = []
    with transaction(pool) as conn:
        for k in range(n):
            claim = IdentityClaim(f"Lock Person {secrets.token_hex(4)}", None, date(1975, 1 + k, 2))
            made.append(enrol(conn, vault, claim)[0])
    return sorted(made)


@on_the_cluster
def test_subjects_are_grouped_by_the_shard_that_holds_them_in_shard_order(
    conn: psycopg.Connection[dict[str, Any]],
) -> None:
    ids = [uuid4() for _ in range(40)]
    groups = shard_groups.by_shard(conn, "subjects", ids + ids[:5])
    assert sorted(s for group in groups for s in group) == sorted(ids)  # each once, none lost
    shards = []
    for group in groups:
        assert group == sorted(group)
        [shard] = {_shard_of(conn, s) for s in group}
        shards.append(shard)
    assert shards == sorted(shards) and len(shards) == len(set(shards)) > 1
    assert shard_groups.by_shard(conn, "subjects", []) == []


def test_a_rotation_holds_its_page_of_data_keys_until_its_transaction_ends(
    pool: ConnectionPool, database_url: str, vault: Vault
) -> None:
    [subject] = _committed_subjects(pool, vault, 1)
    with (
        psycopg.connect(database_url) as rotating,
        psycopg.connect(database_url, autocommit=True) as other,
    ):
        page = vault_repo.data_keys_under(rotating, vault.active_kek_id, (subject, 0), 1)
        assert [(s, v) for s, v, _ in page] == [(subject, 1)]
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute(
                "SELECT 1 FROM subject_keys WHERE subject_id = %s FOR NO KEY UPDATE NOWAIT",
                (subject,),
            )
        rotating.rollback()
        other.execute(
            "SELECT 1 FROM subject_keys WHERE subject_id = %s FOR NO KEY UPDATE NOWAIT", (subject,)
        )


@on_the_cluster
def test_a_key_shredded_between_the_pages_read_and_its_lock_drops_out_and_the_page_moves_on(
    pool: ConnectionPool, database_url: str, vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, later = _committed_subjects(pool, vault, 2)
    grouping = shard_groups.by_shard

    def shred_first_then_group(conn: Any, table: str, subject_ids: Any) -> list[list[UUID]]:
        if first in subject_ids:  # the page was read without a lock: a shred lands now
            with psycopg.connect(database_url, autocommit=True) as shredder:
                vault_repo.destroy_data_keys(shredder, first)
        return grouping(conn, table, subject_ids)

    monkeypatch.setattr(shard_groups, "by_shard", shred_first_then_group)
    with psycopg.connect(database_url) as rotating:
        page = vault_repo.data_keys_under(rotating, vault.active_kek_id, (first, 0), 1)
        rotating.rollback()
    assert page, "a page whose keys were all shredded must not read as the end of the rotation"
    assert first not in [s for s, _, _ in page]
    assert (page[0][0], page[0][1]) > (first, 1) and (page[0][0], page[0][1]) <= (later, 1)
