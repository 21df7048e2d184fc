"""Envelope encryption per subject, and blind indexes for matching.

Ciphertext layout: version byte 0x01 | data-key version (4 bytes, big-endian) | 12-byte nonce |
AES-256-GCM ciphertext and tag. The associated data binds a ciphertext to its subject and its
kind, so a name cannot be copied into another subject's row (or into an address) and decrypt.
"""

from __future__ import annotations

import hmac
import os
import secrets
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from bureau.vault import repo
from bureau.vault.indexer import BlindIndexer
from bureau.vault.keyring import KeyRing, file_stamp, load, load_or_create
from bureau.vault.keywrap import wrap_many
from bureau.vault.normalise import NORMALISERS

_VERSION = 1
_HEADER = struct.Struct(">BI")


def fingerprint(key: bytes) -> bytes:
    """What the database records of a key: an HMAC of a fixed label, revealing nothing."""
    return hmac.digest(key, b"fairfile key fingerprint", "sha256")


class VaultError(RuntimeError):
    """A ciphertext cannot be opened: wrong subject, tampered, or its key was destroyed."""


class _Nonces:
    """Random 96-bit AES-GCM nonces, drawn from the OS a block at a time.

    One system call per nonce was a tenth of a bulk ingest's writer time (six encryptions per
    record, and each call gives the GIL away). The bytes are the same CSPRNG output either
    way. A forked child drops the inherited block, so parent and child never share nonces."""

    _BLOCK = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._pool, self._at = b"", 0

    def take(self) -> bytes:
        with self._lock:
            if self._at >= len(self._pool):
                self._pool, self._at = os.urandom(12 * self._BLOCK), 0
            nonce = self._pool[self._at : self._at + 12]
            self._at += 12
        return nonce


_NONCES = _Nonces()


def _aad(subject_id: UUID, kind: str) -> bytes:
    return b"fairfile/1|" + subject_id.bytes + b"|" + kind.encode()


@dataclass(frozen=True)
class SubjectCipher:
    """The data keys of one subject, unwrapped for the length of one unit of work."""

    subject_id: UUID
    key_version: int
    _keys: dict[int, bytes]
    # the AES-GCM context of each key, built once (a bulk ingest encrypts six values per
    # subject; building the context each time cost as much as the encryption itself)
    _aead: dict[int, AESGCM] = field(default_factory=dict, repr=False, compare=False)
    # the associated data's subject part, built once per subject rather than once per value
    _prefix: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_prefix", _aad(self.subject_id, ""))

    def _aad(self, kind: str) -> bytes:
        return self._prefix + kind.encode()

    def _context(self, version: int) -> AESGCM:
        aead = self._aead.get(version)
        if aead is None:
            aead = self._aead[version] = AESGCM(self._keys[version])
        return aead

    def encrypt(self, kind: str, text: str) -> bytes:
        nonce = _NONCES.take()
        sealed = self._context(self.key_version).encrypt(nonce, text.encode(), self._aad(kind))
        return _HEADER.pack(_VERSION, self.key_version) + nonce + sealed

    def decrypt(self, kind: str, blob: bytes) -> str:
        version, key_version = _HEADER.unpack_from(blob)
        if version != _VERSION:
            raise VaultError(f"unknown ciphertext version {version}")
        if key_version not in self._keys:
            raise VaultError(f"data key {key_version} of this subject is destroyed or unknown")
        nonce = blob[_HEADER.size : _HEADER.size + 12]
        try:
            plain = self._context(key_version).decrypt(
                nonce, bytes(blob[_HEADER.size + 12 :]), self._aad(kind)
            )
        except InvalidTag as exc:
            raise VaultError("ciphertext does not belong to this subject and kind") from exc
        return plain.decode()


class Vault:
    """Wraps and unwraps data keys with the key file's master keys.

    A vault opened from a key file notices when the file is replaced (a master key rotation,
    docs/vault.md) and reads it again: before wrapping new data keys, so they go under the new
    active key, and when a data key names a master key it does not hold yet, so keys another
    process re-wrapped stay readable without a restart."""

    def __init__(self, ring: KeyRing, path: Path | None = None) -> None:
        self._ring = ring
        self._path = path
        self._stamp = file_stamp(path) if path is not None else None
        self._reload_lock = threading.Lock()

    @classmethod
    def from_key_file(cls, path: Path) -> Vault:
        return cls(load_or_create(path), path)

    @classmethod
    def for_database(cls, path: Path, conn: psycopg.Connection[Any]) -> Vault:
        """The key file's vault for a served bureau or a command: refused unless `conn`'s
        database recorded every key in it (`check_holds_database_keys`). Never creates a key
        file and never records a fingerprint: only `initialise` (`bureau init`, the sandbox),
        a master key rotation and an explicit adoption (`bureau keys adopt`) record."""
        if not path.exists():
            raise VaultError(cls._missing(path, conn))
        vault = cls(load(path), path)
        vault.check_holds_database_keys(conn)
        return vault

    @classmethod
    def initialise(cls, path: Path, conn: psycopg.Connection[Any]) -> Vault:
        """`bureau init` and the sandbox: the key file, created for a database that has no
        keys, and its fingerprints recorded for a new database (no data key, none recorded).

        Why only here: a start that recorded whatever it was given (trust on first use) let
        the first start after the fingerprints were lost, or before they were ever kept,
        bring another blind-index key, and a furnish of known accounts then made a duplicate
        of every subject. A database that holds data but no fingerprints is refused here too:
        its keys are adopted explicitly, with checks (`bureau keys adopt`)."""
        new = not repo.key_fingerprints(conn) and not repo.holds_data_keys(conn)
        if not path.exists() and not new:
            raise VaultError(cls._missing(path, conn))
        vault = cls.from_key_file(path)
        if new:
            vault.record_fingerprints(conn)
        vault.check_holds_database_keys(conn)
        return vault

    @staticmethod
    def _missing(path: Path, conn: psycopg.Connection[Any]) -> str:
        if repo.holds_data_keys(conn) or repo.key_fingerprints(conn):
            return (
                f"FAIRFILE_KEY_FILE: the key file ({path}) does not exist, so it cannot "
                "unwrap this database's data keys; point FAIRFILE_KEY_FILE at the bureau's "
                "key file (docs/vault.md)"
            )
        return (
            f"FAIRFILE_KEY_FILE: the key file ({path}) does not exist; create the bureau's "
            "keys with `bureau init` (or serve the sandbox), or point FAIRFILE_KEY_FILE at the "
            "bureau's key file"
        )

    def fingerprints(self) -> dict[tuple[str, str], bytes]:
        """What the database records of this key file: the blind-index key and every master
        key that can still unwrap, by (kind, key id)."""
        ring = self._refresh()
        mine = {("blind_index", ""): fingerprint(ring.blind_index_key)}
        return mine | {("master", kek_id): fingerprint(kek) for kek_id, kek in ring.keks.items()}

    def record_fingerprints(self, conn: psycopg.Connection[Any]) -> None:
        """Record this key file's fingerprints (those not recorded yet; a recorded one never
        changes). Callers: `initialise`, a rotation, an adoption; never a start."""
        recorded = repo.key_fingerprints(conn)
        repo.record_key_fingerprints(
            conn, {k: v for k, v in self.fingerprints().items() if k not in recorded}
        )

    def unwrapped_samples(self, conn: psycopg.Connection[Any]) -> list[str]:
        """Unwrap one live data key under each master key the database uses, and return those
        master keys' ids; VaultError naming the first that does not unwrap (an adoption's
        check: with no fingerprint to compare, only unwrapping proves a master key)."""
        checked = []
        for kek_id, wrapped in repo.one_wrapped_key_per_kek(conn):
            try:
                aes_key_unwrap(self.master_key(kek_id), wrapped)
            except (InvalidUnwrap, VaultError) as exc:
                where = f" ({self._path})" if self._path is not None else ""
                raise VaultError(
                    f"FAIRFILE_KEY_FILE: the key file{where} cannot unwrap this database's data "
                    f"keys under master key {kek_id}; point FAIRFILE_KEY_FILE at the bureau's "
                    "key file (docs/vault.md)"
                ) from exc
            checked.append(kek_id)
        return checked

    def _refresh(self) -> KeyRing:
        """The key ring, read again first if the key file was replaced since it was read."""
        if self._path is None:
            return self._ring
        with self._reload_lock:
            try:
                stamp = file_stamp(self._path)
            except FileNotFoundError:
                return self._ring  # moved away or deleted: keep serving with the keys in hand
            if stamp != self._stamp:
                self._ring, self._stamp = load(self._path), stamp
            return self._ring

    @property
    def active_kek_id(self) -> str:
        return self._ring.active_kek_id

    def blind_index(self, kind: str, value: str) -> bytes:
        """HMAC-SHA256 over the kind and the normalised value (kinds never collide)."""
        normalised = NORMALISERS[kind](value)
        message = kind.encode() + b"\x00" + normalised.encode()
        return hmac.digest(self._ring.blind_index_key, message, "sha256")

    def blind_indexer(self) -> BlindIndexer:
        """Blind indexes for a batch of values at once (vault/indexer.py), as blind_index."""
        return BlindIndexer(self._ring.blind_index_key)

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (e.g. signing portal sessions), derived from the key file.

        Derived rather than stored so every worker of a deployment agrees on it without another
        secret to distribute; the purpose label keeps it independent of the blind-index use.
        """
        label = b"fairfile-derived-key\x00" + purpose.encode()
        return hmac.digest(self._ring.blind_index_key, label, "sha256")

    def seal(self, purpose: str, context: bytes, text: str) -> bytes:
        """A secret the bureau must read back (a webhook signing secret), encrypted at rest.

        AES-256-GCM under a key derived for `purpose`; `context` (e.g. the endpoint id) is the
        associated data, so a sealed value copied onto another row does not open. Derived from
        the blind-index key, which never rotates (it would unmatch every subject), so a master
        key rotation leaves sealed values readable and nothing has to be re-sealed."""
        nonce = _NONCES.take()
        aead = AESGCM(self.derived_key("sealed/" + purpose))
        return bytes([_VERSION]) + nonce + aead.encrypt(nonce, text.encode(), context)

    def unseal(self, purpose: str, context: bytes, blob: bytes) -> str:
        """The secret `seal` encrypted, or VaultError (another key file, row or purpose)."""
        data = bytes(blob)
        if not data or data[0] != _VERSION:
            raise VaultError("not a sealed value of this vault's format")
        aead = AESGCM(self.derived_key("sealed/" + purpose))
        try:
            return aead.decrypt(data[1:13], data[13:], context).decode()
        except InvalidTag as exc:
            raise VaultError(f"the sealed {purpose} does not open with this key file") from exc

    def first_key(self, conn: psycopg.Connection[Any], subject_id: UUID) -> SubjectCipher:
        """A new subject's first data key, wrapped by the active master key. The subject's row
        is written first by its owner (`bureau.subjects.creation.open_file` does both)."""
        repo.lock_master_keys(conn, exclusive=False)  # no retirement while this key is wrapped
        ring = self._refresh()
        data_key = secrets.token_bytes(32)
        wrapped = aes_key_wrap(ring.active_kek, data_key)
        repo.insert_data_key(conn, subject_id, 1, ring.active_kek_id, wrapped)
        return SubjectCipher(subject_id, 1, {1: data_key})

    def first_keys(
        self, conn: psycopg.Connection[Any], subject_ids: Sequence[UUID]
    ) -> list[SubjectCipher]:
        """Many new subjects' first data keys at once (bulk furnishing): one COPY instead of a
        statement per subject (`bureau.subjects.creation.open_files` writes their rows first)."""
        repo.lock_master_keys(conn, exclusive=False)  # no retirement while these are wrapped
        ring = self._refresh()
        kek_id, kek = ring.active_kek_id, ring.active_kek
        pool = secrets.token_bytes(32 * len(subject_ids))  # one system call for the batch
        data_keys = [pool[i : i + 32] for i in range(0, len(pool), 32)]
        wrapped = wrap_many(kek, data_keys)  # all keys at once: see keywrap.py
        repo.insert_data_keys(conn, [(subject_id, 1, kek_id, w)
                                    for subject_id, w in zip(subject_ids, wrapped, strict=True)])  # fmt: skip
        return [SubjectCipher(subject_id, 1, {1: key})
                for subject_id, key in zip(subject_ids, data_keys, strict=True)]  # fmt: skip

    def cipher_for(self, conn: psycopg.Connection[Any], subject_id: UUID) -> SubjectCipher:
        return self.cipher_from(subject_id, repo.live_data_keys(conn, subject_id))

    def cipher_from(
        self, subject_id: UUID, data_keys: Sequence[tuple[int, str, bytes]]
    ) -> SubjectCipher:
        """A cipher from (version, kek id, wrapped key) rows already read, e.g. in a batch."""
        keys: dict[int, bytes] = {}
        for version, kek_id, wrapped in data_keys:
            kek = self.master_key(kek_id)
            try:
                keys[version] = aes_key_unwrap(kek, wrapped)
            except InvalidUnwrap as exc:
                raise VaultError(f"data key {version} does not unwrap under {kek_id}") from exc
        if not keys:
            raise VaultError(f"subject {subject_id} has no live data key (unknown or shredded)")
        return SubjectCipher(subject_id, max(keys), keys)

    def master_key(self, kek_id: str) -> bytes:
        """The master key `kek_id` names: the active one or one kept for unwrapping."""
        kek = self._ring.keks.get(kek_id)
        if kek is None:
            kek = self._refresh().keks.get(kek_id)  # re-wrapped by a rotation in another process
        if kek is not None:
            return kek
        retired = self._ring.retired.get(kek_id)
        if retired is not None:
            raise VaultError(f"master key {kek_id} was retired at {retired}; it unwraps nothing")
        raise VaultError(f"master key {kek_id} is not in the key file")

    def check_holds_database_keys(
        self, conn: psycopg.Connection[Any], *, rotating: bool = False
    ) -> None:
        """Refuse (one line naming FAIRFILE_KEY_FILE) a key file whose keys the database has
        not all recorded, or that lacks or differs from one it recorded; record nothing.

        Why at start-up: a wrong `FAIRFILE_KEY_FILE` (or a deleted file) once started a bureau
        that could read no identity data, and a file with another blind-index key matched no
        existing subject, so a furnish duplicated every one. A master key the file lists as
        retired unwraps nothing and is not asked for. A database with data keys but no
        recorded fingerprint is refused with a pointer to `bureau keys adopt`; one with
        neither (a new database) with a pointer to `bureau init`. `rotating`: a master key
        rotation, which records the master keys it adds (an interrupted one may have saved the
        file without recording), so only those may be unrecorded.
        """
        where = f" ({self._path})" if self._path is not None else ""
        recorded = repo.key_fingerprints(conn)
        ring = self._refresh()
        mine = self.fingerprints()
        if not recorded:
            if repo.holds_data_keys(conn):
                raise VaultError(
                    "FAIRFILE_KEY_FILE: this database holds data keys but records no key "
                    f"fingerprint, so the key file{where} cannot be checked against it; if it "
                    "is the bureau's key file, adopt it with `bureau keys adopt` (docs/vault.md)"
                )
            raise VaultError(
                f"FAIRFILE_KEY_FILE: this database has not recorded the key file{where} (a new "
                "database): record it with `bureau init` (docs/vault.md)"
            )
        for (kind, kek_id), value in sorted(recorded.items()):
            if kind == "master" and kek_id in ring.retired:
                continue
            if (kind, kek_id) not in mine:
                raise VaultError(
                    f"FAIRFILE_KEY_FILE: the key file{where} lacks master key {kek_id}, which "
                    "this database's data keys are under; point FAIRFILE_KEY_FILE at the "
                    "bureau's key file (docs/vault.md)"
                )
            if mine[(kind, kek_id)] != value:
                what = "blind-index key" if kind == "blind_index" else f"master key {kek_id}"
                raise VaultError(
                    f"FAIRFILE_KEY_FILE: the key file{where} holds another {what} than this "
                    "database was written with; point FAIRFILE_KEY_FILE at the bureau's key "
                    "file (docs/vault.md)"
                )
        if ("blind_index", "") not in recorded:
            raise VaultError(
                f"FAIRFILE_KEY_FILE: this database never recorded the key file{where}'s "
                "blind-index key; if it is the bureau's key file, adopt it with `bureau keys "
                "adopt` (docs/vault.md)"
            )
        unknown = sorted(k for kind, k in mine if kind == "master" and (kind, k) not in recorded)
        if unknown and not rotating:
            raise VaultError(
                f"FAIRFILE_KEY_FILE: the key file{where} holds master key {unknown[0]}, which "
                "this database never recorded (keys are added by `bureau vault "
                "rotate-master-key`); point FAIRFILE_KEY_FILE at the bureau's key file "
                "(docs/vault.md)"
            )
        probe = repo.some_live_kek_id(conn)
        if probe is not None:
            try:
                self.master_key(probe)
            except VaultError as exc:
                raise VaultError(
                    f"the key file{where} cannot unwrap this database's data keys: {exc}. "
                    "Point FAIRFILE_KEY_FILE at the bureau's key file (docs/vault.md)"
                ) from exc

    def shred(self, conn: psycopg.Connection[Any], subject_id: UUID) -> None:
        """Destroy the subject's data keys: every ciphertext of the subject becomes noise."""
        repo.destroy_data_keys(conn, subject_id)
