"""Releasing a report: decide -> assemble -> score -> sign -> record, in one transaction.

A release is one transaction: the grant row is locked (so a single-use grant releases exactly
once under concurrency), the decision is made on facts read inside that transaction, and the
inquiry, the use count, the access-log entry and the report record are written before the
signed report is returned. If anything fails — signing included — the caller's transaction
rolls back and nothing is left behind: no inquiry, no log entry, no report, no use counted.

There is one path, on psycopg's async API: the API runs it on its event loop, the CLI and
in-process callers with `asyncio.run` on an async connection of their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau import events
from bureau.db import id_routes
from bureau.db.batch import run_async
from bureau.db.write import Write
from bureau.file.assemble import assemble, assemble_sealed
from bureau.model import CreditFile
from bureau.obsolescence import reportable
from bureau.policy.regime import live_rules
from bureau.reports import copies, repo
from bureau.reports.draft import Draft
from bureau.signing import SigningKey
from bureau.vault import SubjectCipher, Vault
from consent.decision import (
    AccessRequest,
    Alert,
    Decision,
    Freeze,
    Grant,
    Requester,
    RequesterKind,
    decide,
)
from consent.errors import NoGrant, denial_for
from consent.purposes import Purpose, Scope, purposes

COPY_WINDOW = timedelta(hours=168)
"""How long a pulled report is kept for re-delivery unless the caller says (the API passes
FAIRFILE_REPORT_COPY_HOURS)."""


@dataclass(frozen=True)
class Released:
    report_id: UUID
    log_entry: int
    """The access-log entry's `entry_id`: its leaf index is assigned after commit."""
    report: dict[str, Any]
    report_json: bytes
    """The report's canonical JSON: exactly the JWS payload, so it is encoded only once."""
    jws: str

    def response_json(self) -> bytes:
        """The API response body, built around the already-encoded report."""
        head = json.dumps(
            {"report_id": str(self.report_id), "access_log_entry": self.log_entry,
             "jws": self.jws},
        )  # fmt: skip
        return head[:-1].encode() + b', "report": ' + self.report_json + b"}"


async def pull_report(
    conn: psycopg.AsyncConnection[Any],
    vault: Vault,
    key: SigningKey,
    org_id: UUID,
    org_name: str,
    grant_id: UUID,
    purpose: str,
    scope: str,
    identity_verified: bool,
    at: datetime,
    *,
    copy_for: timedelta = COPY_WINDOW,
    answered: Callable[[UUID, SubjectCipher], list[Write]] | None = None,
) -> Released:
    """A user's pull under a grant: allowed by `decide`, or refused with the reason.

    The signed report is kept, encrypted under the subject's data key, for `copy_for`, so
    its recipient can fetch it again (`bureau.reports.redelivery`). `answered` gives writes
    for the paper trail's one statement from the report's id and the copy's cipher (the API
    stores an `Idempotency-Key`'s answer so: with the work, at no statement's cost)."""
    # The file's reads ride in the facts' round trip; they are decrypted only once allowed.
    facts, sealed = await repo.release_facts(conn, grant_id, lambda who: assemble_sealed(who, at))
    found, freeze, alerts, file_status, known = facts
    request = _PullRequest(org_id, purpose, scope, identity_verified, at)
    grant = request.granted(found)
    subject_id = grant.subject_id
    # Whether the requester is an existing creditor matters only for a freeze exemption.
    holds = request.asks_holds_account(freeze) and await repo.holds_account(
        conn, subject_id, org_id
    )
    decision = request.decide(grant, freeze, alerts, holds, file_status)
    cipher = vault.cipher_from(subject_id, known.data_keys)  # the file's and its copy's
    file = reportable(sealed(cipher, known), at.date(), live_rules().retention)
    recipient = {"org_id": str(org_id), "name": org_name}
    draft = Draft(file, decision, recipient, org_id, purpose, scope, grant_id, None, at)
    routed = await id_routes.distributed_async(conn)
    told = answered(draft.report_id, cipher) if answered is not None else []
    return await _record(conn, key, draft, lambda token: [*copies.copy_writes(
        cipher, draft.report_id, token, at, copy_for, by_subject=routed), *told])  # fmt: skip


async def compelled_report(
    conn: psycopg.AsyncConnection[Any],
    vault: Vault,
    key: SigningKey,
    subject_id: UUID,
    court_order_ref: str,
    recipient_name: str,
    at: datetime,
) -> Released:
    """Release under a court order (FCRA §604(a)(1)): no grant, logged, the subject told."""
    decision = decide(
        AccessRequest(
            requester=Requester(RequesterKind.COURT, court_order_ref=court_order_ref),
            subject_id=subject_id,
            purpose=Purpose.COURT_ORDER,
            scope=Scope.FULL,
            at=at,
            file_status=await run_async(conn, repo.file_status(subject_id)),
        )
    )
    if not decision.allowed:
        raise denial_for(decision)
    file = await _reportable_file(conn, vault, subject_id, at)
    recipient = {"org_id": None, "name": recipient_name, "court_order_ref": court_order_ref}
    draft = Draft(file, decision, recipient, None, Purpose.COURT_ORDER, Scope.FULL, None,
                  court_order_ref.strip(), at)  # fmt: skip
    released = await _record(conn, key, draft)
    await events.publish_async(conn, events.NoticeWritten(
        subject_id=subject_id, notice_id=uuid4(), kind="compelled-access",
        report_id=released.report_id,
        body={
            "court_order_ref": court_order_ref.strip(),
            "recipient": recipient_name,
            "report_id": str(released.report_id),
            "access_log_entry": released.log_entry,
            "released_at": at.isoformat(),
        },
    ))  # fmt: skip
    return released


async def _reportable_file(
    conn: psycopg.AsyncConnection[Any], vault: Vault, subject_id: UUID, at: datetime
) -> CreditFile:
    file = await run_async(conn, assemble(vault, subject_id, at))
    return reportable(file, at.date(), live_rules().retention)


async def _record(
    conn: psycopg.AsyncConnection[Any],
    key: SigningKey,
    draft: Draft,
    kept: Callable[[str], list[Write]] | None = None,
) -> Released:
    """Seal and record the release; `kept` adds the writes that keep a copy of the JWS."""
    payload, token, writes = draft.seal(key)
    if kept is not None:
        writes = [*writes, *kept(token)]
    if await id_routes.distributed_async(conn):  # the report's id routed to its subject's shard
        writes = [*writes, id_routes.route_write("report", draft.report_id, draft.file.subject_id)]
    log_entry = await repo.record_release(conn, writes)
    return Released(draft.report_id, log_entry, draft.body, payload, token)


@dataclass(frozen=True)
class _PullRequest:
    """A user's pull as asked: the pure steps between the facts read and the file released."""

    org_id: UUID
    purpose: str
    scope: str
    identity_verified: bool
    at: datetime

    def granted(self, grant: Grant | None) -> Grant:
        """The grant, if it is this requester's; someone else's grant is no grant for them."""
        if grant is None or grant.requester_org_id != self.org_id:
            # Whether someone else's grant exists is not said.
            raise NoGrant("the subject has not granted this requester access", reason="no-grant")
        return grant

    def asks_holds_account(self, freeze: Freeze | None) -> bool:
        table = purposes()
        rules = table.get(Purpose(self.purpose)) if self.purpose in table else None
        return freeze is not None and rules is not None and rules.freeze_exempt

    def decide(
        self,
        grant: Grant,
        freeze: Freeze | None,
        alerts: list[Alert],
        holds: bool,
        file_status: str,
    ) -> Decision:
        """`decide` on the facts; a refusal is raised with its reason."""
        decision = decide(
            AccessRequest(
                requester=Requester(RequesterKind.USER, org_id=self.org_id, holds_account=holds),
                subject_id=grant.subject_id,
                purpose=self.purpose,
                scope=self.scope,
                at=self.at,
                grant=grant,
                freeze=freeze,
                alerts=alerts,
                identity_verified=self.identity_verified,
                file_status=file_status,
            )
        )
        if not decision.allowed:
            raise denial_for(decision)
        return decision
