"""Credential format: `ff<kind>_<id>_<secret>`; only SHA-256 of the whole token is stored.

The id is public (shown in logs and listings) so a leaked log line never leaks a key; the
secret has 256 bits, so a fast hash is enough (no password-style stretching needed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

ORG_KEY = "ffk"
SUBJECT_TOKEN = "ffs"
_SHAPE = re.compile(r"^(ffk|ffs)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Token:
    kind: str
    token_id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.kind}_{self.token_id}_{self.secret}"

    @property
    def digest(self) -> bytes:
        return hash_token(str(self))


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token(kind: str) -> Token:
    return Token(kind, secrets.token_hex(8), secrets.token_urlsafe(32))


def derived_token(kind: str, seed_material: bytes, label: str) -> Token:
    """A reproducible token for the sandbox only: same seed and label, same token."""
    raw = hmac.new(seed_material, f"{kind}|{label}".encode(), hashlib.sha256).digest()
    secret = hmac.new(seed_material, f"secret|{kind}|{label}".encode(), hashlib.sha256).digest()
    return Token(kind, raw[:8].hex(), base64.urlsafe_b64encode(secret).decode().rstrip("="))


def parse_token(text: str, kind: str) -> Token | None:
    match = _SHAPE.match(text.strip())
    if not match or match[1] != kind:
        return None
    return Token(match[1], match[2], match[3])


def matches(token: Token, stored_digest: bytes) -> bool:
    return hmac.compare_digest(token.digest, stored_digest)
