"""Subjects grouped by the shard that holds their rows, on a Citus cluster.

Why: Citus runs a row lock (`FOR UPDATE`, `FOR NO KEY UPDATE`, with or without `SKIP LOCKED`)
only in a statement that reads one shard ("could not run distributed query with FOR
UPDATE/SHARE"). A job that must lock rows of many subjects (the dispute deadline job, a master
key rotation) first finds them without a lock, then locks each shard's share of them with one
statement naming those subjects (`subject_id = ANY(...)`, which Citus prunes to that shard): as
many statements as shards, never one per subject. The groups come in shard order, and each
group's subjects in subject order, so two jobs that do wait for each other's locks take them
in one total order.

The grouping is a query of the coordinator alone (Citus's hash of each id); nothing here runs
on one node, where the caller's single locking statement stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

_GROUPS_SQL = """
    SELECT array_agg(subject_id ORDER BY subject_id)
    FROM (
        SELECT DISTINCT subject_id, get_shard_id_for_distribution_column(%s::regclass, subject_id)
            AS shard
        FROM unnest(%s::uuid[]) AS given(subject_id)
    ) placed
    GROUP BY shard ORDER BY shard
"""


def by_shard(
    conn: psycopg.Connection[Any], table: str, subject_ids: Sequence[UUID]
) -> list[list[UUID]]:
    """The distinct subjects, grouped by the shard of `table` (distributed by `subject_id`)
    holding their rows: the groups in shard order, each sorted. Empty for no subject."""
    if not subject_ids:
        return []
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(_GROUPS_SQL, (table, list(subject_ids)))
        return [list(group) for (group,) in cur.fetchall()]
