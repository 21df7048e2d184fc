"""The access log as an event handler: every `Logged` event becomes its pending entry.

Why here: the access log is the one record of who saw or changed what, so one handler writes
it for every event (`bureau.events`), in the event's transaction. The entry's JSON is made by
`bureau.audit.log.pending_entry`; the row is a `Write` so that a report release can send it
inside its paper trail's single statement. `append` writes the same row for an entry no typed
event names (tests and benches): this module is the table's one writer.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from bureau.audit import log
from bureau.db.write import Write
from bureau.events import Logged, Published, subscribe
from bureau.signing import canonical_json

WRITE = "access_log_entry"
"""The entry's write name: a statement carrying it reads the id as
`(SELECT entry_id FROM access_log_entry)`."""

_APPEND_SQL = """
    INSERT INTO audit_log (subject_id, event, entry, created_at)
    VALUES (%(subject_id)s, %(event)s, %(entry)s, %(at)s)
    RETURNING entry_id
"""


@subscribe(Logged)
def entry(event: Logged) -> list[Write]:
    """The event's pending entry (numbered by the sequencer after commit)."""
    body, at = log.pending_entry(event.name, event.subject_id, event.details())
    params = {"subject_id": event.subject_id, "event": event.name,
              "entry": Jsonb(body, dumps=canonical_json), "at": at}  # fmt: skip
    return [Write(WRITE, _APPEND_SQL, params, returns="entry_id")]


def append(
    conn: psycopg.Connection[Any], event: str, subject_id: UUID | None, details: dict[str, Any]
) -> int:
    """Append one pending entry that no typed event names (tests, benches) and return its
    `entry_id`: the same row the handler writes, so this module stays the table's one writer.
    The leaf index is assigned when the sequencer runs after this transaction commits."""
    body, at = log.pending_entry(event, subject_id, details)
    params = {"subject_id": subject_id, "event": event,
              "entry": Jsonb(body, dumps=canonical_json), "at": at}  # fmt: skip
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(_APPEND_SQL, params)
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def entry_id(published: Published) -> int:
    """The access-log entry's `entry_id` among a published event's results."""
    return int(published[WRITE])
