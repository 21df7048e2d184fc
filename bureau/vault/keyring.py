"""The master key file: key-encryption keys (by id) and the blind-index key.

Created on first run with mode 0600 in a 0700 directory; refused if others can read it, since
anyone holding it can decrypt every subject's identity. Several master keys may be present so
that wrapped data keys can be re-wrapped under a new one (rotation, rotation.py): `active_kek`
wraps new data keys, every key in `keks` unwraps. A retired key leaves `keks` and only its id
stays, in the optional `retired` map (id -> when), so an error can say "retired" rather than
"unknown". The format name stays `fairfile-keyring/1`: `retired` is an addition that older
readers ignore, and a file without it (every file written before rotation existed) loads as
before. docs/vault.md describes the file.

Every rewrite of the file is atomic (a temporary file in the same directory, fsynced, renamed
over the old one, then the directory fsynced): a crash leaves the old file or the new one,
never half of either, and the key file is the one thing whose loss cannot be repaired.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "fairfile-keyring/1"
_KEK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class KeyRingError(RuntimeError):
    """The key file is missing, malformed or readable by others; the message says which."""


@dataclass(frozen=True)
class KeyRing:
    active_kek_id: str
    keks: dict[str, bytes]
    blind_index_key: bytes
    retired: dict[str, str] = field(default_factory=dict)  # kek id -> ISO time it was retired

    @property
    def active_kek(self) -> bytes:
        return self.keks[self.active_kek_id]

    @classmethod
    def generate(cls) -> KeyRing:
        kek_id = new_kek_id()
        return cls(kek_id, {kek_id: secrets.token_bytes(32)}, secrets.token_bytes(32))

    def with_active(self, kek_id: str, kek: bytes) -> KeyRing:
        """This ring with `kek` added and made active; the previous keys stay for unwrapping."""
        if not _KEK_ID.fullmatch(kek_id):
            raise KeyRingError(
                f"key id {kek_id!r} must be 1-64 letters, digits, '.', '_' or '-' "
                "(starting with a letter or digit)"
            )
        if kek_id in self.keks or kek_id in self.retired:
            raise KeyRingError(f"key id {kek_id!r} is already used in this key file")
        if len(kek) != 32:
            raise KeyRingError(f"a master key must be 32 bytes, not {len(kek)}")
        if kek in self.keks.values():
            raise KeyRingError("that master key is already in this key file (under another id)")
        return replace(self, active_kek_id=kek_id, keks={**self.keks, kek_id: kek})

    def without(self, kek_id: str, when: datetime) -> KeyRing:
        """This ring with `kek_id`'s key material removed and its id remembered as retired."""
        keks = {kid: key for kid, key in self.keks.items() if kid != kek_id}
        return replace(self, keks=keks, retired={**self.retired, kek_id: when.isoformat()})

    def to_json(self) -> str:
        b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
        doc: dict[str, object] = {
            "format": FORMAT,
            "active_kek": self.active_kek_id,
            "keks": {kid: b64(key) for kid, key in self.keks.items()},
            "blind_index_key": b64(self.blind_index_key),
        }
        if self.retired:
            doc["retired"] = dict(self.retired)
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str, source: str) -> KeyRing:
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT:
                raise KeyRingError(f"{source}: format is not {FORMAT}")
            keks = {kid: base64.b64decode(key) for kid, key in doc["keks"].items()}
            retired = {str(kid): str(when) for kid, when in doc.get("retired", {}).items()}
            ring = cls(doc["active_kek"], keks, base64.b64decode(doc["blind_index_key"]), retired)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"{source}: malformed key file ({exc})") from exc
        if ring.active_kek_id not in ring.keks:
            raise KeyRingError(f"{source}: active_kek {ring.active_kek_id!r} is not in keks")
        if any(len(k) != 32 for k in ring.keks.values()) or len(ring.blind_index_key) != 32:
            raise KeyRingError(f"{source}: every key must be 32 bytes")
        if both := sorted(set(ring.keks) & set(ring.retired)):
            raise KeyRingError(f"{source}: {', '.join(both)} both present and retired")
        return ring


def new_kek_id() -> str:
    """A fresh master key id: the date it was made, and randomness so two never collide."""
    return f"kek-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def load_or_create(path: Path) -> KeyRing:
    """Read the key file, creating it (0600, parent 0700) when it does not exist yet.

    The new file is written whole to a temporary name and hard-linked into place, so another
    process starting at the same moment either finds no file or a complete one, and the first
    to link wins (the other loads the winner's keys)."""
    if path.exists():
        return load(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    ring = KeyRing.generate()
    temp = _write_temp(path, ring)
    try:
        os.link(temp, path)
    except FileExistsError:
        return load(path)  # another process created it first
    finally:
        temp.unlink(missing_ok=True)
    _sync_directory(path.parent)
    return ring


def load(path: Path) -> KeyRing:
    """The key file, refused with one line naming FAIRFILE_KEY_FILE when it is missing,
    unreadable, malformed or accessible by group or others."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyRingError(
                f"FAIRFILE_KEY_FILE: key file {path} is accessible by group or others (mode "
                f"{stat.S_IMODE(mode):o}); chmod 600 it"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyRingError(f"FAIRFILE_KEY_FILE: key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not text"
        raise KeyRingError(f"FAIRFILE_KEY_FILE: cannot read key file {path} ({reason})") from None
    try:
        return KeyRing.from_json(text, str(path))
    except KeyRingError as exc:
        raise KeyRingError(f"FAIRFILE_KEY_FILE: {exc}") from None


def save(path: Path, ring: KeyRing) -> None:
    """Replace the key file atomically, mode 0600 (see the module docstring)."""
    temp = _write_temp(path, ring)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _write_temp(path: Path, ring: KeyRing) -> Path:
    """The ring written and fsynced to a new 0600 file beside `path`."""
    temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(ring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _sync_directory(directory: Path) -> None:
    """A rename or link survives a crash only once its directory is synced."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def file_stamp(path: Path) -> tuple[int, int, int]:
    """What changes when the key file is replaced (inode, size, mtime): cheap to compare."""
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)
