"""The bureau's Ed25519 signing key, and compact JWS (RFC 7515, alg EdDSA per RFC 8037).

Why one key for receipts, reports and tree heads: a subject or a regulator should need exactly
one published public key (`GET /v1/keys`) to check anything the bureau ever signed, offline,
without trusting the bureau's servers. The private key lives in the data dir next to the vault's
master key (`signing.key`, PKCS#8 PEM, mode 0600), created by `bureau init` or the sandbox,
never as a side effect of serving or verifying (a fresh key would sign a second, unrelated
history).

Why compact JWS: it is a standard any language can verify with an off-the-shelf library, it
names the key (`kid`) so keys can be rotated, and it is one line of ASCII that fits in an
e-mail, a QR code or a database column.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_NAME = "signing.key"


class SigningKeyRefused(RuntimeError):
    """The signing key file is missing, unreadable, malformed or readable by others: the
    message is one line naming the file and the variable that points at it."""


class SignatureInvalid(ValueError):
    """A signature, token or key did not verify; the message says which part and why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "+/= \n"):
        raise SignatureInvalid("not base64url without padding")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise SignatureInvalid("not base64url") from exc
    if b64url(data) != text:
        # Non-canonical trailing bits would let two different strings carry one signature.
        raise SignatureInvalid("not canonical base64url")
    return data


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON (sorted keys, no spaces, UTF-8): the same object signs the same bytes.

    orjson, not the standard library: a signed report is ~10 kB, and encoding it was a tenth of
    a pull's CPU. Verifiers check the signed bytes as sent, never a re-encoding, so only
    determinism matters (floats are written in shortest round-trip form, e.g. `1e-5`).
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: base64url of the first 12 bytes of its SHA-256."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url(hashlib.sha256(raw).digest()[:12])


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK (RFC 8037 OKP), as published in the bureau's key set."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw),
        "kid": key_id(public_key),
        "alg": "EdDSA",
        "use": "sig",
    }


def public_key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise SignatureInvalid("key is not an Ed25519 OKP JWK")
    raw = b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise SignatureInvalid("Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class SigningKey:
    """The bureau's private signing key with its public half and key id."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def kid(self) -> str:
        return key_id(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The key set a verifier needs (RFC 7517 JWK Set)."""
        return {"keys": [public_jwk(self.public_key)]}

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """A deterministic key from a 32-byte seed: for the sandbox's published keys and tests."""
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Read the key file; create it (mode 0600, parents 0700) if it does not exist yet.

        Creation uses O_EXCL so two processes starting at once cannot each write a different
        key: the loser reads the winner's file.
        """
        if path.exists():
            return cls.load(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.load(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return cls(key)

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        """The key in `path`, refused (one line) like the master key file: missing, unreadable,
        not an Ed25519 PEM key, or accessible by group or others."""
        where = (
            f"FAIRFILE_KEY_FILE (the signing key {path} beside it, or FAIRFILE_SIGNING_KEY_FILE)"
        )
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise SigningKeyRefused(
                    f"{where}: the signing key is accessible by group or others (mode "
                    f"{stat.S_IMODE(mode):o}); chmod 600 it"
                )
            data = path.read_bytes()
        except FileNotFoundError:
            raise SigningKeyRefused(
                f"{where}: the signing key {path} does not exist; create the bureau's keys with "
                "`bureau init` (or serve the sandbox)"
            ) from None
        except OSError as exc:
            raise SigningKeyRefused(
                f"{where}: cannot read the signing key ({exc.strerror})"
            ) from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise SigningKeyRefused(f"{where}: the signing key is not a PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyRefused(f"{where}: the signing key is not an Ed25519 key")
        return cls(key)


def signing_key_file(master_key_file: Path) -> Path:
    """Where the signing key lives: `FAIRFILE_SIGNING_KEY_FILE`, else beside the master key."""
    override = os.environ.get("FAIRFILE_SIGNING_KEY_FILE")
    if override:
        return Path(override).expanduser()
    return master_key_file.with_name(SIGNING_KEY_NAME)


def jws_sign(key: SigningKey, payload: dict[str, Any], typ: str) -> str:
    """Compact JWS over the canonical JSON of `payload`, header {alg: EdDSA, kid, typ}."""
    return jws_sign_bytes(key, canonical_json(payload), typ)


def jws_sign_bytes(key: SigningKey, payload: bytes, typ: str) -> str:
    """Compact JWS over payload bytes already encoded (so a caller can reuse the encoding)."""
    header = {"alg": "EdDSA", "kid": key.kid, "typ": typ}
    signing_input = f"{b64url(canonical_json(header))}.{b64url(payload)}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


@dataclass(frozen=True)
class VerifiedJws:
    header: dict[str, Any]
    payload: dict[str, Any]


def _json_part(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureInvalid(f"{name} is not base64url JSON") from exc
    if not isinstance(value, dict):
        raise SignatureInvalid(f"{name} is not a JSON object")
    return value


def jws_verify(
    token: str,
    keys: list[Ed25519PublicKey] | Ed25519PublicKey,
    *,
    typ: str | None = None,
) -> VerifiedJws:
    """Check a compact JWS against the given public key(s); return its header and payload.

    Only alg EdDSA is accepted (never `none`, never an algorithm the token chooses), and the key
    is picked by `kid` when several are given. Raises SignatureInvalid naming what failed.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise SignatureInvalid("a compact JWS has three dot-separated parts")
    header = _json_part(parts[0], "header")
    if header.get("alg") != "EdDSA":
        raise SignatureInvalid(f"alg must be EdDSA, got {header.get('alg')!r}")
    if "crit" in header:
        raise SignatureInvalid("critical header extensions are not supported")
    if typ is not None and header.get("typ") != typ:
        raise SignatureInvalid(f"typ must be {typ!r}, got {header.get('typ')!r}")
    candidates = [keys] if isinstance(keys, Ed25519PublicKey) else list(keys)
    if header.get("kid") is not None and len(candidates) > 1:
        candidates = [k for k in candidates if key_id(k) == header["kid"]]
    if not candidates:
        raise SignatureInvalid(f"no public key with kid {header.get('kid')!r}")
    signature = b64url_decode(parts[2])
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    for candidate in candidates:
        try:
            candidate.verify(signature, signing_input)
        except InvalidSignature:
            continue
        return VerifiedJws(header=header, payload=_json_part(parts[1], "payload"))
    raise SignatureInvalid("signature does not verify with the bureau's public key")


def load_public_keys(text: str) -> list[Ed25519PublicKey]:
    """Public keys from a JWK Set (as `GET /v1/keys` serves), a single JWK, or a PEM key."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        data = stripped.encode()
        try:
            key: Any = serialization.load_pem_public_key(data)
        except ValueError:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise SignatureInvalid("PEM key is not Ed25519")
        return [key]
    try:
        doc = json.loads(stripped)
    except ValueError as exc:
        raise SignatureInvalid("key is neither PEM nor JSON (JWK / JWK Set)") from exc
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        return [public_key_from_jwk(k) for k in doc["keys"] if isinstance(k, dict)]
    if isinstance(doc, dict):
        return [public_key_from_jwk(doc)]
    raise SignatureInvalid("JSON key is neither a JWK nor a JWK Set")
