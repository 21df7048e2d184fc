"""Every table is placed on Citus on purpose, and a subject's file is one colocation group.

The first test runs on one node too: a migration that adds a table without a placement fails
here before it ever reaches a cluster. The others run only under FAIRFILE_TEST_CLUSTER=citus.
"""

from __future__ import annotations

import psycopg
import pytest

from bureau.db.distribution import PLACEMENTS, citus_present, unplaced
from tests.cluster import local as local_cluster

on_cluster = pytest.mark.skipif(
    not local_cluster.requested(), reason="needs FAIRFILE_TEST_CLUSTER=citus"
)


def test_every_table_of_the_schema_has_a_deliberate_placement(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert unplaced(conn) == []


def test_placements_name_each_table_once() -> None:
    names = [p.table for p in PLACEMENTS]
    assert len(names) == len(set(names))


def test_single_node_schema_is_left_undistributed(database_url: str) -> None:
    if local_cluster.requested():
        pytest.skip("runs on plain PostgreSQL only")
    with psycopg.connect(database_url) as conn:
        assert not citus_present(conn)


def _partitions(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, tuple[str, int]]:
    rows = conn.execute(
        "SELECT logicalrelid::regclass::text, partmethod, colocationid FROM pg_dist_partition"
    ).fetchall()
    return {str(r[0]): (str(r[1]), int(str(r[2]))) for r in rows}


@on_cluster
def test_a_subjects_file_is_distributed_by_subject_in_one_colocation_group(
    database_url: str,
) -> None:
    with psycopg.connect(database_url) as conn:
        placed = _partitions(conn)
        columns: dict[str, str] = dict(
            conn.execute(
                "SELECT logicalrelid::regclass::text, column_to_column_name(logicalrelid, partkey)"
                " FROM pg_dist_partition WHERE partmethod = 'h'"
            ).fetchall()
        )
    subject = [p.table for p in PLACEMENTS if p.kind == "subject"]
    assert {placed[t][0] for t in subject} == {"h"}
    assert {columns[t] for t in subject} == {"subject_id"}
    assert len({placed[t][1] for t in subject}) == 1


@on_cluster
def test_shared_tables_are_reference_tables_and_the_log_stays_on_the_coordinator(
    database_url: str,
) -> None:
    with psycopg.connect(database_url) as conn:
        placed = _partitions(conn)
    for p in PLACEMENTS:
        if p.kind == "reference":
            method, group = placed[p.table]
            assert method == "n" and group != 0, p.table  # a copy on every node
        elif p.kind == "coordinator":
            # Absent, or a Citus-managed local table (one with a key to a reference table):
            # either way its rows stay on the coordinator only.
            assert p.table not in placed or placed[p.table] == ("n", 0), p.table
    assert placed["identity_blind_indexes"][0] == "h"
