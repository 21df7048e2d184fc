"""A report before its paper trail: the body, the score it carries, the signature, the rows.

Pure (no I/O): the release reads the facts and the file, this makes the signed report and the
writes that record it, and the release sends those writes as one statement.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg.types.json import Jsonb

from bureau import events
from bureau.db.write import Write
from bureau.file import repo as file_repo
from bureau.file.disclosure import disclosure
from bureau.model import CreditFile
from bureau.policy.regime import LIVE_REGIME
from bureau.reports import repo
from bureau.score.scoring import ScoreResult, score_file
from bureau.signing import SigningKey, canonical_json, jws_sign_bytes
from consent import repo as consent_repo
from consent.decision import Decision
from consent.purposes import Scope

REPORT_TYPE = "fairfile-report+jws"


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
        "regime": LIVE_REGIME,
        "recipient": recipient,
        "purpose": purpose,
        "grant_id": str(grant_id) if grant_id else None,
        "basis": decision.reason,
        "fraud_alert_active": bool(file.fraud_alerts),
        "file": body,
    }


def sign_report(key: SigningKey, payload: bytes) -> str:
    return jws_sign_bytes(key, payload, REPORT_TYPE)


@dataclass
class Draft:
    """A decided release: its body and score on construction, then `seal`ed."""

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

    def event(self) -> events.ReportReleased:
        kind = events.ReportReleased if self.court_order_ref is None else events.ReportCompelled
        return kind(
            subject_id=self.file.subject_id, to=self.requester_org_id,
            to_name=self.recipient.get("name"), purpose=self.purpose, scope=self.scope,
            grant_id=self.grant_id, court_order_ref=self.court_order_ref,
            report_id=self.report_id, inquiry_id=self.inquiry_id, basis=self.decision.reason,
        )  # fmt: skip

    def seal(self, key: SigningKey) -> tuple[bytes, str, list[Write]]:
        """The signed payload, its JWS, and the paper trail's writes, in statement order.

        The paper trail is written after signing (nothing is written unless the signed report
        exists). The log entry is pending (no lock held) and numbered after commit, so pulls
        do not commit one at a time. The entry and the report name each other.
        """
        payload = canonical_json(self.body)
        token = sign_report(key, payload)
        file, decision, scored, items = self.file, self.decision, self.scored, self.released_items
        subject_id = file.subject_id
        inquiry = file_repo.inquiry_write({
            "subject_id": subject_id, "inquiry_id": self.inquiry_id,
            "requester_org_id": self.requester_org_id, "purpose": self.purpose,
            "kind": decision.inquiry_kind or "soft", "grant_id": self.grant_id,
            "report_id": self.report_id, "created_at": self.at,
        })  # fmt: skip
        use = consent_repo.count_use(subject_id, self.grant_id,
                                     decision.consumes_use and self.grant_id is not None)  # fmt: skip
        report = {
            "subject_id": subject_id, "report_id": self.report_id,
            "requester_org_id": self.requester_org_id, "grant_id": self.grant_id,
            "purpose": self.purpose, "scope": self.scope, "inquiry_id": self.inquiry_id,
            "court_order_ref": self.court_order_ref,
            "tradeline_ids": [t.tradeline_id for t in file.tradelines] if items else [],
            "bankruptcy_ids": [b.bankruptcy_id for b in file.bankruptcies] if items else [],
            "digest": hashlib.sha256(token.encode("ascii")).digest(), "created_at": self.at,
        }  # fmt: skip
        score = {
            "subject_id": subject_id, "report_id": self.report_id, "version": scored.version,
            "table_sha256": scored.table_sha256, "score": scored.score, "as_of": scored.as_of,
            "result": Jsonb(self.body["score"], dumps=canonical_json),
        }  # fmt: skip
        writes = [inquiry, use, *events.writes(self.event()), *repo.report_writes(report, score)]
        return payload, token, writes
