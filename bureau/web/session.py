"""Portal sessions, their expiry rule, and CSRF tokens (no HTTP framework, no SQL here).

The session cookie holds only a random session id; the database keeps its SHA-256 and decides
on every request whether the session is alive (`session_ended`), so signing out, revoking the
credential or closing the file ends it at once, and a copied cookie dies with it. The cookie
never holds the subject's token, so it cannot be replayed against the API.

CSRF tokens are HMACs of the session id under a key derived from the vault's key file
(synchronizer tokens, nothing more to store); the sign-in form, which has no session yet, is
bound to a short-lived signed pre-session nonce instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

SESSION_COOKIE = "ff_portal"
PRESESSION_COOKIE = "ff_portal_pre"
PRESESSION_LIFETIME = timedelta(minutes=30)


# A session's stored last-seen time is moved forward at most this often, so a burst of page
# views writes (and locks) the session row once, not on every request; idle expiry may come
# this much early.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class StoredSession:
    """A session row as the database holds it, with what its credential and file say now."""

    subject_id: UUID
    credential_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    credential_revoked_at: datetime | None
    subject_status: str


def new_session_id() -> str:
    """A random session id (256 bits): what the cookie carries, never stored as such."""
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> bytes:
    """What the database keeps of a session id: a fast hash is enough for 256 random bits."""
    return hashlib.sha256(session_id.encode()).digest()


def session_ended(session: StoredSession, now: datetime, idle: timedelta) -> str | None:
    """Why a stored session may no longer be used at `now`, or None while it is alive."""
    if session.revoked_at is not None:
        return "signed out"
    if session.credential_revoked_at is not None or session.subject_status == "shredded":
        return "credential no longer valid"
    if now >= session.expires_at:
        return "session lifetime over"
    if now >= session.last_seen_at + idle:
        return "idle too long"
    return None


def needs_touch(session: StoredSession, now: datetime) -> bool:
    return now - session.last_seen_at >= TOUCH_EVERY


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
