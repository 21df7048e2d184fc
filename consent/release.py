"""Releasing a report: the access decision, the file under obsolescence, and the paper trail.

A release is one transaction: the grant row is locked (so a single-use grant releases exactly
once under concurrency), the decision is made on facts read inside that transaction, and the
inquiry, the use count, the access-log entry and the report record are written before the
signed report is returned. If anything fails — signing included — the caller's transaction
rolls back and nothing is left behind: no inquiry, no log entry, no report, no use counted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.types.json import Jsonb

from bureau.audit import log
from bureau.file.assemble import assemble, assemble_async
from bureau.file.disclosure import disclosure
from bureau.model import CreditFile
from bureau.notices import repo as notices_repo
from bureau.obsolescence import reportable
from bureau.policy.regime import live_regime, live_rules
from bureau.score.scoring import ScoreResult, score_file
from bureau.signing import SigningKey, canonical_json, jws_sign_bytes
from bureau.subjects import repo as subjects_repo
from bureau.vault import Vault
from consent import repo
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

REPORT_TYPE = "fairfile-report+jws"


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


def report_body(
    file: CreditFile,
    report_id: UUID,
    recipient: dict[str, Any],
    purpose: str,
    grant_id: UUID | None,
    decision: Decision,
    at: datetime,
) -> dict[str, Any]:
    """What a user receives: the file as a user may see it, with its provenance.

    Differs from the subject's disclosure: national ids show their last four digits only,
    only hard inquiries are shown (soft ones are visible to the subject alone), and only the
    statements about items the report carries.
    """
    body = disclosure(file, truncate_national_id=True, for_subject=False)
    body["inquiries"] = [i for i in body["inquiries"] if i.get("kind") == "hard"]
    return {
        "report_id": str(report_id),
        "issued_at": at.isoformat(),
        "issuer": "fairfile",
        "regime": live_regime().id,
        "recipient": recipient,
        "purpose": purpose,
        "grant_id": str(grant_id) if grant_id else None,
        "basis": decision.reason,
        "fraud_alert_active": bool(file.fraud_alerts),
        "file": body,
    }


def _release(conn: psycopg.Connection[Any], key: SigningKey, draft: _Draft) -> Released:
    payload, token, row = draft.seal(key)
    return Released(draft.report_id, repo.record_release(conn, row), draft.body, payload, token)


@dataclass
class _Draft:
    """A release before its paper trail is written: the report body, then sealed into the
    signed payload and the row `record_release` writes. Pure, so the sync and async release
    paths share every step but the I/O."""

    file: CreditFile
    decision: Decision
    recipient: dict[str, Any]
    requester_org_id: UUID | None
    purpose: str
    scope: str
    grant_id: UUID | None
    court_order_ref: str | None
    at: datetime
    report_id: UUID = field(init=False, default_factory=uuid4)
    inquiry_id: UUID = field(init=False, default_factory=uuid4)
    body: dict[str, Any] = field(init=False)
    scored: ScoreResult = field(init=False)

    def __post_init__(self) -> None:
        self.body = report_body(self.file, self.report_id, self.recipient, self.purpose,
                                self.grant_id, self.decision, self.at)  # fmt: skip
        self.scored = score_file(self.file, self.at.date())  # the score travels in the report
        self.body["score"] = self.scored.as_dict()
        if not self.released_items:
            # A score-only grant releases the score, its points and key factors: not the items.
            del self.body["file"]

    @property
    def released_items(self) -> bool:
        return self.scope != Scope.SCORE

    def seal(self, key: SigningKey) -> tuple[bytes, str, dict[str, Any]]:
        """The signed payload, its JWS, and the paper trail's row.

        The paper trail is written after signing (nothing is written unless the signed report
        exists), as one statement. The log entry is pending (no lock held) and numbered after
        commit, so pulls do not commit one at a time. The entry and the report name each other.
        """
        payload = canonical_json(self.body)
        token = sign_report(key, payload)
        file, decision, grant_id, scored = self.file, self.decision, self.grant_id, self.scored
        org_id, items = self.requester_org_id, self.released_items
        event = "report.released" if self.court_order_ref is None else "report.compelled"
        entry, logged_at = log.pending_entry(event, file.subject_id, {
            "to": str(org_id) if org_id else None,
            "to_name": self.recipient.get("name"),
            "purpose": self.purpose,
            "scope": self.scope,
            "grant_id": str(grant_id) if grant_id else None,
            "court_order_ref": self.court_order_ref,
            "report_id": str(self.report_id),
            "inquiry_id": str(self.inquiry_id),
            "basis": decision.reason,
        })  # fmt: skip
        row = {
            "subject_id": file.subject_id, "report_id": self.report_id,
            "inquiry_id": self.inquiry_id, "requester_org_id": org_id, "grant_id": grant_id,
            "purpose": self.purpose, "scope": self.scope,
            "inquiry_kind": decision.inquiry_kind or "soft", "created_at": self.at,
            "consumes_use": decision.consumes_use and grant_id is not None,
            "event": event, "entry": Jsonb(entry, dumps=canonical_json), "logged_at": logged_at,
            "court_order_ref": self.court_order_ref,
            "tradeline_ids": [t.tradeline_id for t in file.tradelines] if items else [],
            "bankruptcy_ids": [b.bankruptcy_id for b in file.bankruptcies] if items else [],
            "digest": hashlib.sha256(token.encode("ascii")).digest(),
            "score_version": scored.version, "score_table_sha256": scored.table_sha256,
            "score": scored.score, "score_as_of": scored.as_of,
            "score_result": Jsonb(self.body["score"], dumps=canonical_json),
        }  # fmt: skip
        return payload, token, row


def sign_report(key: SigningKey, payload: bytes) -> str:
    return jws_sign_bytes(key, payload, REPORT_TYPE)


def _file_for_release(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, at: datetime
) -> CreditFile:
    return _reportable(assemble(conn, vault, subject_id, at), at)


def _reportable(file: CreditFile, at: datetime) -> CreditFile:
    return reportable(file, at.date(), live_rules().retention)


def pull_report(
    conn: psycopg.Connection[Any],
    vault: Vault,
    key: SigningKey,
    org_id: UUID,
    org_name: str,
    grant_id: UUID,
    purpose: str,
    scope: str,
    identity_verified: bool,
    at: datetime,
) -> Released:
    """A user's pull under a grant: allowed by `decide`, or refused with the reason."""
    found, freeze, alerts, file_status = repo.release_facts(conn, grant_id)
    request = _PullRequest(org_id, purpose, scope, identity_verified, at)
    grant = request.granted(found)
    subject_id = grant.subject_id
    # Whether the requester is an existing creditor matters only for a freeze exemption.
    holds = request.asks_holds_account(freeze) and repo.holds_account(conn, subject_id, org_id)
    decision = request.decide(grant, freeze, alerts, holds, file_status)
    file = _file_for_release(conn, vault, subject_id, at)
    recipient = {"org_id": str(org_id), "name": org_name}
    draft = _Draft(file, decision, recipient, org_id, purpose, scope, grant_id, None, at)
    return _release(conn, key, draft)


async def pull_report_async(
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
) -> Released:
    """`pull_report` on an async connection (the API's path): the same reads, decision,
    report and paper trail, in the caller's transaction, without a worker thread."""
    found, freeze, alerts, file_status = await repo.release_facts_async(conn, grant_id)
    request = _PullRequest(org_id, purpose, scope, identity_verified, at)
    grant = request.granted(found)
    subject_id = grant.subject_id
    holds = request.asks_holds_account(freeze) and await repo.holds_account_async(
        conn, subject_id, org_id
    )
    decision = request.decide(grant, freeze, alerts, holds, file_status)
    file = _reportable(await assemble_async(conn, vault, subject_id, at), at)
    recipient = {"org_id": str(org_id), "name": org_name}
    draft = _Draft(file, decision, recipient, org_id, purpose, scope, grant_id, None, at)
    payload, token, row = draft.seal(key)
    log_entry = await repo.record_release_async(conn, row)
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


def compelled_report(
    conn: psycopg.Connection[Any],
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
            file_status=subjects_repo.file_status(conn, subject_id) or "active",
        )
    )
    if not decision.allowed:
        raise denial_for(decision)
    file = _file_for_release(conn, vault, subject_id, at)
    recipient = {"org_id": None, "name": recipient_name, "court_order_ref": court_order_ref}
    draft = _Draft(file, decision, recipient, None, Purpose.COURT_ORDER, Scope.FULL, None,
                   court_order_ref.strip(), at)  # fmt: skip
    released = _release(conn, key, draft)
    notices_repo.insert_notice(
        conn,
        subject_id,
        uuid4(),
        "compelled-access",
        released.report_id,
        {
            "court_order_ref": court_order_ref.strip(),
            "recipient": recipient_name,
            "report_id": str(released.report_id),
            "access_log_entry": released.log_entry,
            "released_at": at.isoformat(),
        },
    )
    return released
