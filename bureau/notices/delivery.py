"""The notices as an event handler: every `NoticeWritten` becomes the notice's row.

Why one writer: a notice is a legal act (an adverse-action notice, the results of a dispute,
a correction sent to a past recipient); writing it in one place, in the transaction of what
caused it, means every notice has one shape and none is sent for something rolled back.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from bureau.db.write import Write
from bureau.events import NoticeWritten, subscribe

WRITE = "notice_row"

_INSERT_SQL = """
    INSERT INTO notices (subject_id, notice_id, kind, recipient_org_id, report_id, dispute_id,
                         body, due_by, created_at)
    VALUES (%(subject_id)s, %(notice_id)s, %(kind)s, %(recipient_org_id)s, %(report_id)s,
            %(dispute_id)s, %(body)s, %(due_by)s, COALESCE(%(created_at)s, now()))
"""


@subscribe(NoticeWritten)
def notice(event: NoticeWritten) -> list[Write]:
    params = {
        "subject_id": event.subject_id, "notice_id": event.notice_id, "kind": event.kind,
        "recipient_org_id": event.recipient_org_id, "report_id": event.report_id,
        "dispute_id": event.dispute_id, "body": Jsonb(event.body), "due_by": event.due_by,
        "created_at": event.created_at,
    }  # fmt: skip
    return [Write(WRITE, _INSERT_SQL, params)]
