"""The master key file: key-encryption keys (by id) and the blind-index key.

Created on first run with mode 0600 in a 0700 directory; refused if others can read it, since
anyone holding it can decrypt every subject's identity. Several master keys may be present so
that wrapped data keys can be re-wrapped under a new one (rotation); `active` names the one
used for new subjects.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "fairfile-keyring/1"


class KeyRingError(RuntimeError):
    """The key file is missing, malformed or readable by others; the message says which."""


@dataclass(frozen=True)
class KeyRing:
    active_kek_id: str
    keks: dict[str, bytes]
    blind_index_key: bytes

    @property
    def active_kek(self) -> bytes:
        return self.keks[self.active_kek_id]

    @classmethod
    def generate(cls) -> KeyRing:
        kek_id = f"kek-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
        return cls(kek_id, {kek_id: secrets.token_bytes(32)}, secrets.token_bytes(32))

    def to_json(self) -> str:
        b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
        return json.dumps(
            {
                "format": FORMAT,
                "active_kek": self.active_kek_id,
                "keks": {kid: b64(key) for kid, key in self.keks.items()},
                "blind_index_key": b64(self.blind_index_key),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str) -> KeyRing:
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT:
                raise KeyRingError(f"{source}: format is not {FORMAT}")
            keks = {kid: base64.b64decode(key) for kid, key in doc["keks"].items()}
            ring = cls(doc["active_kek"], keks, base64.b64decode(doc["blind_index_key"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"{source}: malformed key file ({exc})") from exc
        if ring.active_kek_id not in ring.keks:
            raise KeyRingError(f"{source}: active_kek {ring.active_kek_id!r} is not in keks")
        if any(len(k) != 32 for k in ring.keks.values()) or len(ring.blind_index_key) != 32:
            raise KeyRingError(f"{source}: every key must be 32 bytes")
        return ring


def load_or_create(path: Path) -> KeyRing:
    """Read the key file, creating it (0600, parent 0700) when it does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ring = KeyRing.generate()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load(path)  # another process created it first
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ring.to_json())
        return ring
    return load(path)


def load(path: Path) -> KeyRing:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise KeyRingError(f"key file {path} does not exist") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyRingError(
            f"key file {path} is accessible by group or others (mode {stat.S_IMODE(mode):o}); "
            "chmod 600 it"
        )
    return KeyRing.from_json(path.read_text(encoding="utf-8"), str(path))
