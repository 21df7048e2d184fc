"""SQL of a release: the facts a decision needs, and the release's paper trail.

Owns `reports` and `report_scores`. The paper trail is one statement (`bureau.db.write`):
the inquiry (written by `bureau.file.repo`), the use of the grant (`consent.repo`), the
access-log entry (the `bureau.events` handlers), the report record naming that entry, and
the score it carried. One statement because a pull is CPU-bound in Python, and every
statement costs it as much as a small query costs PostgreSQL.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from bureau.audit import trail
from bureau.db import id_routes
from bureau.db.batch import Batch, Read
from bureau.db.write import Write, execute_async
from bureau.file.repo import Known
from consent.decision import Alert, Freeze, Grant, Thaw
from consent.repo import THAWS_SQL

_GRANT_COLUMNS = (
    "grant_id, subject_id, requester_org_id, purpose, scope, valid_from, expires_at, max_uses, "
    "uses, revoked_at"
)


def _release_facts_sql(grant: str, subject: str) -> tuple[str, str, str, str]:
    return (
        f"SELECT {_GRANT_COLUMNS}, s.status AS file_status "
        f"FROM consent_grants JOIN subjects s USING (subject_id) WHERE {grant} "
        "FOR UPDATE OF consent_grants",
        "SELECT freeze_id, placed_at, lifted_at FROM freezes "
        f"WHERE subject_id = {subject} AND lifted_at IS NULL",
        "SELECT alert_id, kind, contact_ct, placed_at, expires_at, removed_at "
        f"FROM fraud_alerts WHERE subject_id = {subject} ORDER BY placed_at, alert_id",
        "SELECT key_version, kek_id, wrapped_key FROM subject_keys "
        f"WHERE subject_id = {subject} AND wrapped_key IS NOT NULL ORDER BY key_version",
    )


RELEASE_FACTS_SQL = _release_facts_sql(
    "grant_id = %s", "(SELECT subject_id FROM consent_grants WHERE grant_id = %s)"
)
"""A pull's facts (the grant locked with its file's status, the subject's freeze and alerts),
keyed by the grant. The status rides on the grant's row: each statement costs a pull as much
as a small query costs PostgreSQL. The subject's live data keys come along too: the released
report is kept encrypted under them (`bureau.reports.copies`)."""
ROUTED_RELEASE_FACTS_SQL = _release_facts_sql("subject_id = %s AND grant_id = %s", "%s")
"""The same facts on Citus, keyed by the subject the grant's route names (bureau.db.id_routes):
each statement then reads the subject's one shard."""

HOLDS_ACCOUNT_SQL = (
    "SELECT EXISTS (SELECT 1 FROM tradelines WHERE subject_id = %s AND furnisher_id = %s "
    "AND deleted_at IS NULL)"
)
FILE_STATUS_SQL = "SELECT status FROM subjects WHERE subject_id = %s"

ReleaseFacts = tuple[Grant | None, Freeze | None, list[Alert], str, Known]


async def release_facts(conn: psycopg.AsyncConnection[Any], grant_id: UUID) -> ReleaseFacts:
    """The grant, locked until the transaction ends, and its subject's freeze, alerts, file
    status ('active', 'closed', 'shredded'), and what the file read then need not read again
    (the live data keys, the freeze, the alerts' rows: `Known`).

    The lock is what makes uses exact under concurrency: a second pull on the same grant
    waits here, then reads the use the first one counted. The three reads travel as one
    pipeline (one round trip; a second only when a freeze is in force, for its thaws); the
    freeze and alerts are read after the grant's lock is taken, so they are as fresh.
    """
    grant_sql, freeze_sql, alerts_sql, keys_sql = RELEASE_FACTS_SQL
    grant_params: tuple[UUID, ...] = (grant_id,)
    subject_params: tuple[UUID, ...] = (grant_id,)
    if await id_routes.distributed_async(conn):
        routed = await id_routes.subject_of_async(conn, "grant", grant_id)
        if routed is None:
            return None, None, [], "active", Known([], False, [])
        grant_sql, freeze_sql, alerts_sql, keys_sql = ROUTED_RELEASE_FACTS_SQL
        grant_params, subject_params = (routed, grant_id), (routed,)
    async with (
        conn.cursor(row_factory=tuple_row) as grant_cur,
        conn.cursor(row_factory=tuple_row) as freeze_cur,
        conn.cursor(row_factory=tuple_row) as alerts_cur,
        conn.cursor(row_factory=tuple_row) as keys_cur,
    ):
        async with conn.pipeline():
            await grant_cur.execute(grant_sql, grant_params)
            await freeze_cur.execute(freeze_sql, subject_params)
            await alerts_cur.execute(alerts_sql, subject_params)
            await keys_cur.execute(keys_sql, subject_params)
        row = await grant_cur.fetchone()
        frozen = await freeze_cur.fetchone()
        alert_rows = await alerts_cur.fetchall()
        keys = [(int(v), str(k), bytes(w)) for v, k, w in await keys_cur.fetchall()]
    known = Known(keys, frozen is not None, alert_rows)
    if row is None:
        return None, None, [], "active", known
    *grant_columns, file_status = row  # the columns in _GRANT_COLUMNS order, then the status
    status = str(file_status)
    grant = Grant(*grant_columns)
    freeze = None
    if frozen is not None:
        freeze_id, placed_at, lifted_at = frozen
        async with conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(THAWS_SQL, (grant.subject_id, freeze_id))
            thaw_rows = await cur.fetchall()
        freeze = Freeze(
            placed_at=placed_at,
            lifted_at=lifted_at,
            thaws=tuple(
                Thaw(requester_org_id, starts_at, ends_at, cancelled_at)
                for _, requester_org_id, _, starts_at, ends_at, _, cancelled_at in thaw_rows
            ),
        )
    alerts = [
        Alert(alert_id, kind, placed_at, expires_at, removed_at)
        for alert_id, kind, _, placed_at, expires_at, removed_at in alert_rows
    ]
    return grant, freeze, alerts, status, known


async def holds_account(conn: psycopg.AsyncConnection[Any], subject_id: UUID, org_id: UUID) -> bool:
    """Does the organization furnish a (not deleted) account of the subject?"""
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute(HOLDS_ACCOUNT_SQL, (subject_id, org_id))
        row = await cur.fetchone()
    return bool(row and row[0])


def file_status(subject_id: UUID) -> Batch[str]:
    """The file's status ('active' for an unknown subject: the decision then finds no file)."""
    return Batch([Read(FILE_STATUS_SQL, (subject_id,), named=False)],
                 lambda rows: str(rows[0][0][0]) if rows[0] else "active")  # fmt: skip


_REPORT_SQL = f"""
    INSERT INTO reports (subject_id, report_id, requester_org_id, grant_id, purpose, scope,
                         inquiry_id, log_entry_id, court_order_ref, tradeline_ids,
                         bankruptcy_ids, digest, created_at)
    SELECT %(subject_id)s, %(report_id)s, %(requester_org_id)s, %(grant_id)s, %(purpose)s,
           %(scope)s, %(inquiry_id)s, entry_id, %(court_order_ref)s, %(tradeline_ids)s,
           %(bankruptcy_ids)s, %(digest)s, %(created_at)s
    FROM {trail.WRITE}
"""
"""INSERT … SELECT over the entry's write rather than a subquery in VALUES, which Citus
refuses in an INSERT into a distributed table; the entry's write yields one row."""
_SCORE_SQL = """
    INSERT INTO report_scores (subject_id, report_id, version, table_sha256, score, as_of,
                               result)
    VALUES (%(subject_id)s, %(report_id)s, %(version)s, %(table_sha256)s, %(score)s,
            %(as_of)s, %(result)s)
"""


def report_writes(report: dict[str, Any], score: dict[str, Any]) -> list[Write]:
    """The report record (naming the access-log entry written beside it) and its score."""
    return [Write("report_row", _REPORT_SQL, report), Write("score_row", _SCORE_SQL, score)]


async def record_release(conn: psycopg.AsyncConnection[Any], writes: list[Write]) -> int:
    """A release's whole paper trail in one statement; returns the log entry's `entry_id`."""
    return trail.entry_id(await execute_async(conn, writes))
