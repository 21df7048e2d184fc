"""Signed consent receipts: proof, checkable offline, of what a subject granted and revoked.

A receipt is a compact JWS (alg EdDSA, typ `fairfile-consent+jws`) signed with the bureau's
key; anyone holding the public key from `GET /v1/keys` can verify it without asking the bureau.
The subject keeps it as evidence of exactly what they allowed (requester, purpose, scope,
window, uses); the requester keeps it as evidence it pulled under a grant. A revocation gets its
own receipt (`event: revoked`), so the subject can also prove when they withdrew consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.signing import SignatureInvalid, SigningKey, jws_sign, jws_verify

RECEIPT_TYPE = "fairfile-consent+jws"
ISSUER = "fairfile"
VERSION = 1


@dataclass(frozen=True)
class GrantReceipt:
    event: str
    """'granted' or 'revoked'."""
    grant_id: UUID
    subject_id: UUID
    requester_org_id: UUID
    requester_name: str
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None
    issued_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "iss": ISSUER,
            "event": self.event,
            "grant_id": str(self.grant_id),
            "subject_id": str(self.subject_id),
            "requester": {"org_id": str(self.requester_org_id), "name": self.requester_name},
            "purpose": self.purpose,
            "scope": self.scope,
            "valid_from": self.valid_from.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "max_uses": self.max_uses,
            "iat": self.issued_at.isoformat(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> GrantReceipt:
        try:
            if payload["v"] != VERSION or payload["iss"] != ISSUER:
                raise SignatureInvalid("not a fairfile consent receipt (v/iss)")
            requester = payload["requester"]
            max_uses = payload["max_uses"]
            if max_uses is not None and not isinstance(max_uses, int):
                raise SignatureInvalid("max_uses must be an integer or null")
            return cls(
                event=str(payload["event"]),
                grant_id=UUID(payload["grant_id"]),
                subject_id=UUID(payload["subject_id"]),
                requester_org_id=UUID(requester["org_id"]),
                requester_name=str(requester["name"]),
                purpose=str(payload["purpose"]),
                scope=str(payload["scope"]),
                valid_from=datetime.fromisoformat(payload["valid_from"]),
                expires_at=datetime.fromisoformat(payload["expires_at"]),
                max_uses=max_uses,
                issued_at=datetime.fromisoformat(payload["iat"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SignatureInvalid):
                raise
            raise SignatureInvalid(f"receipt payload is malformed: {exc}") from exc


def issue(key: SigningKey, receipt: GrantReceipt) -> str:
    """The receipt as a compact JWS signed by the bureau."""
    return jws_sign(key, receipt.payload(), RECEIPT_TYPE)


def verify(token: str, keys: Ed25519PublicKey | list[Ed25519PublicKey]) -> GrantReceipt:
    """Check a receipt with the bureau's public key(s) alone; raise SignatureInvalid if not."""
    checked = jws_verify(token, keys, typ=RECEIPT_TYPE)
    return GrantReceipt.from_payload(checked.payload)
