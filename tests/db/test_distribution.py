"""Every table is placed on Citus on purpose, a subject's file is one colocation group, and
each guarantee Citus cannot keep as the single-node schema does still holds there another way.

The first test runs on one node too: a migration that adds a table without a placement fails
here before it ever reaches a cluster. The placement checks run only under
FAIRFILE_TEST_CLUSTER=citus; the guarantee tests run on both, each proving the guarantee by
what stands in for it where Citus refused the single-node form (docs/scale.md "On Citus today").
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from bureau.audit import repo as audit_repo
from bureau.db.distribution import PLACEMENTS, citus_present, unplaced
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from tests.cluster import local as local_cluster
from tests.conftest import random_national_id

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


# The guarantees Citus refused in their single-node form -------------------------------------


def _organization(conn: psycopg.Connection[Any]) -> UUID:
    org_id = uuid4()
    conn.execute(
        "INSERT INTO organizations (org_id, name, roles) VALUES (%s, 'A lender', '{user}')",
        (org_id,),
    )
    return org_id


def test_an_access_token_for_a_grant_the_bureau_does_not_hold_is_refused(
    conn: psycopg.Connection[Any],
) -> None:
    """One node: the foreign key grant_tokens -> consent_grants. Citus: the row trigger that
    stands in for it on the coordinator's token table, with the same SQLSTATE."""
    org_id = _organization(conn)
    now = datetime.now(UTC)
    with pytest.raises(psycopg.errors.ForeignKeyViolation), conn.transaction():
        conn.execute(
            "INSERT INTO grant_tokens (token_hash, grant_id, org_id, expires_at, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            (secrets.token_bytes(32), uuid4(), org_id, now + timedelta(hours=1), now),
        )


def _report_naming(conn: psycopg.Connection[Any], vault: Vault, entry_id: int) -> UUID:
    """A report row (with its subject and inquiry) naming access-log entry `entry_id`."""
    claim = IdentityClaim("Ada Lovelace", random_national_id(), date(1980, 12, 10))
    subject_id, _ = enrol(conn, vault, claim)
    org_id, inquiry_id, report_id = _organization(conn), uuid4(), uuid4()
    conn.execute(
        "INSERT INTO inquiries (subject_id, inquiry_id, requester_org_id, purpose, kind) "
        "VALUES (%s, %s, %s, 'credit', 'hard')",
        (subject_id, inquiry_id, org_id),
    )
    conn.execute(
        "INSERT INTO reports (subject_id, report_id, requester_org_id, purpose, scope, "
        "inquiry_id, log_entry_id, digest) VALUES (%s, %s, %s, 'credit', 'full', %s, %s, '')",
        (subject_id, report_id, org_id, inquiry_id, entry_id),
    )
    return report_id


def test_a_report_naming_no_access_log_entry_is_refused_or_named_by_the_logs_verification(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    """One node: the foreign key reports.log_entry_id -> audit_log refuses the row. Citus keeps
    no key from a distributed table to the coordinator's log; there the release writes the
    report in the same statement as its entry, and the log's verification
    (`reports_without_entry`, run by `bureau audit verify`) names any report without one."""
    missing = 2**62
    if local_cluster.running() is None:
        with pytest.raises(psycopg.errors.ForeignKeyViolation), conn.transaction():
            _report_naming(conn, vault, missing)
        return
    report_id = _report_naming(conn, vault, missing)
    unlogged = audit_repo.reports_without_entry(conn, 100)
    assert [(r.report_id, r.log_entry_id, r.leaf_index) for r in unlogged
            if r.report_id == report_id] == [(report_id, missing, None)]  # fmt: skip


def test_the_access_log_entry_a_report_names_can_be_neither_deleted_nor_rewritten(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    """One node: the foreign key and the log's append-only trigger. Citus: the trigger, which
    runs on the coordinator where the log lives, so a report's entry stays as written."""
    row = conn.execute(
        "INSERT INTO audit_log (event, entry) VALUES ('report.released', '{}') RETURNING entry_id"
    ).fetchone()
    assert row is not None
    entry_id = int(row["entry_id"])
    _report_naming(conn, vault, entry_id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("DELETE FROM audit_log WHERE entry_id = %s", (entry_id,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("UPDATE audit_log SET entry = '{\"x\": 1}' WHERE entry_id = %s", (entry_id,))
