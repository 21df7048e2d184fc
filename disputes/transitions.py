"""Move a stored dispute through the state machine and keep its event history.

Why one function: every change of a dispute must pass the pure rules in `workflow` and leave
an event behind, in the same transaction as the change; routing every caller through `advance`
makes skipping either impossible.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg

from disputes import repo, workflow
from disputes.deadlines import receipt_date
from disputes.repo import DisputeRow


def to_machine(row: DisputeRow) -> workflow.Dispute:
    return workflow.Dispute(
        state=workflow.State(row.state),
        received_on=receipt_date(row.received_at),
        due_on=row.due_at,
        direct=row.direct,
        extended=row.extended,
        outcome=workflow.Outcome(row.result) if row.result else None,
        completed_on=row.completed_on,
        has_statement=row.has_statement,
        recipients_notified=row.recipients_notified_at is not None,
    )


def _stored(row: DisputeRow, d: workflow.Dispute, now: datetime) -> DisputeRow:
    return replace(
        row,
        state=d.state.value,
        due_at=d.due_on,
        extended=d.extended,
        result=d.outcome.value if d.outcome else None,
        completed_on=d.completed_on,
        has_statement=d.has_statement,
        recipients_notified_at=row.recipients_notified_at
        or (now if d.recipients_notified else None),
        closed_at=row.closed_at or (None if d.is_open else now),
    )


def advance(
    conn: psycopg.Connection[Any],
    row: DisputeRow,
    event: workflow.Event,
    actor: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> DisputeRow:
    """Apply `event` (or raise why not), store the new state and append the event."""
    after = _stored(row, workflow.step(to_machine(row), event), now)
    repo.update_dispute(conn, after)
    repo.append_event(
        conn,
        row.subject_id,
        row.dispute_id,
        workflow.event_name(event),
        actor,
        {"state": after.state, **(detail or {})},
        now,
    )
    return after


def furnisher_actor(org_id: object) -> str:
    return f"furnisher:{org_id}"
