"""The webhook outbox as a handler of the bureau's typed domain events (`bureau.events`).

Each event an organization can hear about becomes one outbox write, in the transaction of the
change (the events bus runs handlers before commit), fanned out in SQL to every enabled
endpoint of the organization that subscribes to it: nothing is queued for a change that rolls
back, and nothing committed is lost.
"""

from __future__ import annotations

from bureau.db.write import Write
from bureau.events import (
    DisputeForwarded,
    GrantCreated,
    GrantRevoked,
    NoticeWritten,
    RecipientNotified,
    subscribe,
)
from bureau.webhooks import repo


@subscribe(GrantCreated)
def grant_created(event: GrantCreated) -> list[Write]:
    data = {"grant_id": str(event.grant_id), "purpose": event.purpose, "scope": event.scope,
            "valid_from": event.valid_from.isoformat(),
            "expires_at": event.expires_at.isoformat(), "max_uses": event.max_uses}  # fmt: skip
    return [repo.outbox_write("grant.created", data, org_id=event.to)]


@subscribe(GrantRevoked)
def grant_revoked(event: GrantRevoked) -> list[Write]:
    data = {"grant_id": str(event.grant_id), "revoked_by": event.by}
    return [repo.outbox_write("grant.revoked", data, grant=(event.subject_id, event.grant_id))]


@subscribe(DisputeForwarded)
def dispute_received(event: DisputeForwarded) -> list[Write]:
    if event.to == "bureau":  # no furnisher: the bureau's own inbox
        return []
    data = {"dispute_id": str(event.dispute_id), "item_kind": event.item_kind,
            "inbox": f"/v1/furnisher/disputes/{event.dispute_id}"}  # fmt: skip
    return [repo.outbox_write("dispute.received", data, org_id=event.to)]


@subscribe(RecipientNotified)
def report_corrected(event: RecipientNotified) -> list[Write]:
    data = {"dispute_id": str(event.dispute_id), "notice_id": str(event.notice_id)}
    return [repo.outbox_write("report.corrected", data, org_id=event.to)]


@subscribe(NoticeWritten)
def notice_created(event: NoticeWritten) -> list[Write]:
    if event.recipient_org_id is None:  # a notice to the subject: no organization to tell
        return []
    data = {"notice_id": str(event.notice_id), "kind": event.kind}
    return [repo.outbox_write("notice.created", data, org_id=event.recipient_org_id)]
