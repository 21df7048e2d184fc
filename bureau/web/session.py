"""Portal sessions and CSRF tokens as signed values (no HTTP framework here).

The cookie holds who is signed in (subject, credential id), a random nonce and an expiry,
signed with HMAC-SHA256 under a key derived from the vault's key file. It never holds the
subject's token, so a stolen cookie cannot be replayed against the API, and it dies with its
credential: every request re-checks that the credential is still active.

CSRF tokens are HMACs of the session nonce (synchronizer tokens without server state); the
sign-in form, which has no session yet, is bound to a short-lived pre-session nonce instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

SESSION_COOKIE = "ff_portal"
PRESESSION_COOKIE = "ff_portal_pre"
SESSION_LIFETIME = timedelta(hours=1)
PRESESSION_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class PortalSession:
    subject_id: UUID
    credential_id: str
    nonce: str
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and opens the portal's cookie values and CSRF tokens under one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the portal signing key must be at least 32 bytes")
        self._key = key

    def _mac(self, purpose: str, payload: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\x00" + payload, hashlib.sha256).digest()

    def _seal(self, purpose: str, body: dict[str, str | int]) -> str:
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(payload)}.{_b64(self._mac(purpose, payload))}"

    def _open(self, purpose: str, value: str, now: datetime) -> dict[str, str | int] | None:
        try:
            payload_text, mac_text = value.split(".")
            payload = _unb64(payload_text)
            if not hmac.compare_digest(_unb64(mac_text), self._mac(purpose, payload)):
                return None
            body = json.loads(payload)
        except (ValueError, TypeError):
            return None
        if not isinstance(body, dict) or not isinstance(body.get("exp"), int):
            return None
        if body["exp"] <= int(now.timestamp()):
            return None
        return body

    def new_session(self, subject_id: UUID, credential_id: str, now: datetime) -> str:
        expires = now + SESSION_LIFETIME
        return self._seal(
            "session",
            {
                "s": str(subject_id),
                "c": credential_id,
                "n": secrets.token_urlsafe(16),
                "exp": int(expires.timestamp()),
            },
        )

    def open_session(self, value: str | None, now: datetime) -> PortalSession | None:
        """The session the cookie names, or None if absent, forged, malformed or expired."""
        body = self._open("session", value, now) if value else None
        if body is None:
            return None
        try:
            return PortalSession(
                subject_id=UUID(str(body["s"])),
                credential_id=str(body["c"]),
                nonce=str(body["n"]),
                expires_at=datetime.fromtimestamp(int(body["exp"]), UTC),
            )
        except (KeyError, ValueError):
            return None

    def new_presession(self, now: datetime) -> str:
        expires = now + PRESESSION_LIFETIME
        return self._seal(
            "presession", {"n": secrets.token_urlsafe(16), "exp": int(expires.timestamp())}
        )

    def presession_nonce(self, value: str | None, now: datetime) -> str | None:
        body = self._open("presession", value, now) if value else None
        return str(body["n"]) if body and "n" in body else None

    def csrf_token(self, nonce: str) -> str:
        """The token every form of this session carries; it is useless with another session."""
        return _b64(self._mac("csrf", nonce.encode()))

    def csrf_valid(self, nonce: str | None, presented: str | None) -> bool:
        if not nonce or not presented:
            return False
        return hmac.compare_digest(self.csrf_token(nonce), presented)
