"""SQL of a release: the facts a decision needs, and the release's paper trail.

Owns `reports` and `report_scores`. The paper trail is one statement (`bureau.db.write`):
the inquiry (written by `bureau.file.repo`), the use of the grant (`consent.repo`), the
access-log entry (the `bureau.events` handlers), the report record naming that entry, and
the score it carried. One statement because a pull is CPU-bound in Python, and every
statement costs it as much as a small query costs PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from bureau.audit import trail
from bureau.db import id_routes
from bureau.db.batch import Batch, Read, run_async
from bureau.db.write import Write, execute_async
from bureau.file.repo import Known, SubjectOf
from consent.decision import Alert, Freeze, Grant, Thaw
from consent.repo import THAWS_SQL

_GRANT_COLUMNS = (
    "g.grant_id, g.subject_id, g.requester_org_id, g.purpose, g.scope, g.valid_from, "
    "g.expires_at, g.max_uses, g.uses, g.revoked_at"
)


def _release_facts_sql(grant: str, subject: str) -> str:
    """The facts as one statement: the grant's row (locked) with its file's status, the open
    freeze (at most one: `freezes_one_active`), and the alerts and live data keys as one
    array per column (NULL when there are none), each table read by `subject`."""
    return (
        f"SELECT {_GRANT_COLUMNS}, s.status, f.freeze_id, f.placed_at, "
        "a.ids, a.kinds, a.contacts, a.placed, a.expires, a.removed, "
        "k.versions, k.keks, k.wrapped "
        "FROM consent_grants g JOIN subjects s ON s.subject_id = g.subject_id "
        f"LEFT JOIN freezes f ON f.subject_id = {subject} AND f.lifted_at IS NULL "
        "CROSS JOIN LATERAL (SELECT array_agg(alert_id ORDER BY placed_at, alert_id) AS ids, "
        "array_agg(kind ORDER BY placed_at, alert_id) AS kinds, "
        "array_agg(contact_ct ORDER BY placed_at, alert_id) AS contacts, "
        "array_agg(placed_at ORDER BY placed_at, alert_id) AS placed, "
        "array_agg(expires_at ORDER BY placed_at, alert_id) AS expires, "
        "array_agg(removed_at ORDER BY placed_at, alert_id) AS removed "
        f"FROM fraud_alerts WHERE subject_id = {subject}) a "
        "CROSS JOIN LATERAL (SELECT array_agg(key_version ORDER BY key_version) AS versions, "
        "array_agg(kek_id ORDER BY key_version) AS keks, "
        "array_agg(wrapped_key ORDER BY key_version) AS wrapped "
        f"FROM subject_keys WHERE subject_id = {subject} AND wrapped_key IS NOT NULL) k "
        f"WHERE {grant} FOR UPDATE OF g"
    )


RELEASE_FACTS_SQL = _release_facts_sql("g.grant_id = %(grant)s", "g.subject_id")
"""A pull's facts keyed by the grant: the grant locked with its file's status, the subject's
open freeze and alerts, and its live data keys (the released report is kept encrypted under
them, `bureau.reports.copies`). One statement: each costs a pull as much as a small query
costs PostgreSQL, and the four of the pipeline this replaced cost 88 µs of CPU more
(docs/performance.md, stop 30)."""
ROUTED_RELEASE_FACTS_SQL = _release_facts_sql(
    "g.subject_id = %(subject)s AND g.grant_id = %(grant)s", "%(subject)s"
)
"""The same facts on Citus, keyed by the subject the grant's route names (bureau.db.id_routes):
every table in it is read with `subject_id = %(subject)s`, so it reads the subject's one shard."""

HOLDS_ACCOUNT_SQL = (
    "SELECT EXISTS (SELECT 1 FROM tradelines WHERE subject_id = %s AND furnisher_id = %s "
    "AND deleted_at IS NULL)"
)
FILE_STATUS_SQL = "SELECT status FROM subjects WHERE subject_id = %s"

T = TypeVar("T")

ReleaseFacts = tuple[Grant | None, Freeze | None, list[Alert], str, Known]


def _no_facts() -> ReleaseFacts:
    """No such grant (or none its route knows of)."""
    return None, None, [], "active", Known([], False, [])


_SUBJECT_OF_GRANT = "(SELECT subject_id FROM consent_grants WHERE grant_id = %s)"


async def release_facts(
    conn: psycopg.AsyncConnection[Any], grant_id: UUID, also: Callable[[SubjectOf], Batch[T]]
) -> tuple[ReleaseFacts, T]:
    """The grant, locked until the transaction ends, and its subject's freeze, alerts, file
    status ('active', 'closed', 'shredded'), and what the file read then need not read again
    (the live data keys, the freeze, the alerts' rows: `Known`); with the answer of `also`,
    reads keyed by the grant's subject sent in the same round trip (on Citus, a grant without
    a route reads nothing: `also` is answered as if each of its reads found no row).

    The lock is what makes uses exact under concurrency: a second pull on the same grant
    waits here, then reads the use the first one counted (PostgreSQL reads the locked row
    again once it is had). The facts are one statement, so the freeze, the alerts and the
    file's status are read in its snapshot, taken before any wait for the lock: a freeze, an
    alert or a closure committed while a pull waits is not seen by it. Nothing orders those
    writes against a pull (none takes the grant's lock), so that race was there before, when
    they were read after the lock: a pull is decided on the file as it stood when its facts
    were read. `also`'s reads come after the facts in the pipeline, so after the lock, as the
    file read did when it was a round trip of its own. One more statement is sent only when a
    freeze is in force, for its thaws.
    """
    if await id_routes.distributed_async(conn):
        routed = await id_routes.subject_of_async(conn, "grant", grant_id)
        if routed is None:
            nobody = also(SubjectOf("%s", (None,)))
            return _no_facts(), nobody.answer([[] for _ in nobody.reads])
        facts = Read(
            ROUTED_RELEASE_FACTS_SQL,
            {"grant": grant_id, "subject": routed},
            named=False,
            binary=True,
        )
        who = SubjectOf("%s", (routed,))
    else:
        facts = Read(RELEASE_FACTS_SQL, {"grant": grant_id}, named=False, binary=True)
        who = SubjectOf(_SUBJECT_OF_GRANT, (grant_id,))
    rest = also(who)
    rows, answer = await run_async(conn, Batch(
        [facts, *rest.reads], lambda results: (results[0], rest.answer(results[1:]))))  # fmt: skip
    if not rows:
        return _no_facts(), answer
    return await _facts(conn, rows[0]), answer


async def _facts(conn: psycopg.AsyncConnection[Any], row: tuple[Any, ...]) -> ReleaseFacts:
    """The facts from the statement's one row (its columns in `_release_facts_sql` order)."""
    grant = Grant(*row[:10])
    status, freeze_id, frozen_at, ids, kinds, contacts, placed, expires, removed = row[10:19]
    versions, keks, wrapped = row[19:]
    alert_rows = list(zip(*(c or () for c in (ids, kinds, contacts, placed, expires, removed)),
                          strict=True))  # fmt: skip
    keys = [(int(v), str(k), bytes(w)) for v, k, w in zip(versions or (), keks or (), wrapped or (),
                                                          strict=True)]  # fmt: skip
    known = Known(keys, freeze_id is not None, alert_rows)
    freeze = None
    if freeze_id is not None:
        async with conn.cursor(row_factory=tuple_row) as cur:
            await cur.execute(THAWS_SQL, (grant.subject_id, freeze_id))
            thaw_rows = await cur.fetchall()
        freeze = Freeze(
            placed_at=frozen_at,
            thaws=tuple(
                Thaw(requester_org_id, starts_at, ends_at, cancelled_at)
                for _, requester_org_id, _, starts_at, ends_at, _, cancelled_at in thaw_rows
            ),
        )
    alerts = [
        Alert(alert_id, kind, placed_at, expires_at, removed_at)
        for alert_id, kind, _, placed_at, expires_at, removed_at in alert_rows
    ]
    return grant, freeze, alerts, str(status), known


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
