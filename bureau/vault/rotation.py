"""Master key rotation: re-wrap every data key under a new master key, then retire the old one.

Rotation never decrypts identity data: only the 32-byte data keys are unwrapped with the old
master key and wrapped again with the new one (RFC 3394), so ciphertexts, blind indexes and
the key versions they name stay as they are.

Order of work, so that a crash at any point loses nothing:
1. the new key is added to the key file and made active (atomic rewrite; the old key stays
   for unwrapping), before any data key moves;
2. data keys move in batches, one transaction each, read by keyset pagination over the
   primary key, so memory and lock time are bounded by the batch and a long rotation holds no
   long transaction. Each row is either still under the old key or already under the new one,
   and the key file holds both;
3. a rerun finds data keys still under a non-active key and carries on (it makes a new key
   only when there is no unfinished rotation, or when it is given one);
4. retiring the old key removes its material from the file, and is refused while any live data
   key is still wrapped under it.

Activating and retiring a master key are entries in the access log (no subject), like the
other operator actions: who can read identity data, and under which keys, is part of the record.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap

from bureau import events
from bureau.errors import Conflict, NotFound
from bureau.vault import repo
from bureau.vault.keyring import KeyRing, load, new_kek_id, save
from bureau.vault.keywrap import wrap_many
from bureau.vault.vault import Vault, VaultError, fingerprint

DEFAULT_BATCH_SIZE = 1000


class KeyMaintenanceBusy(Conflict):
    type = "key-maintenance-busy"
    title = "Another master key rotation or retirement is running"


class MasterKeyMissing(Conflict):
    type = "master-key-missing"
    title = "Data keys are wrapped under a master key the key file does not hold"


class MasterKeyInUse(Conflict):
    type = "master-key-in-use"
    title = "The master key still wraps data keys"


class MasterKeyUnknown(NotFound):
    type = "master-key-unknown"
    title = "No such master key in the key file"


@dataclass(frozen=True)
class Rotation:
    """What one run did: `created` is False when it finished an earlier, interrupted run."""

    active_kek_id: str
    created: bool
    rewrapped: int
    remaining: dict[str, int]  # live data keys still under other master keys (0 keys: done)


@dataclass(frozen=True)
class MasterKeyStatus:
    kek_id: str
    state: str  # "active", "previous" (unwraps only), "retired" or "missing" (not in the file)
    data_keys: int  # live data keys wrapped under it


@contextmanager
def _maintenance(url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection holding the key-maintenance lock: every `transaction()` block
    on it is a real transaction of its own."""
    with psycopg.connect(url, autocommit=True) as conn:
        if not repo.try_lock_key_maintenance(conn):
            raise KeyMaintenanceBusy("another master key rotation or retirement is running")
        try:
            yield conn
        finally:
            if not conn.broken:  # a broken connection released its session lock already
                repo.unlock_key_maintenance(conn)


def rotate_master_key(
    url: str,
    key_file: Path,
    *,
    new_key: bytes | None = None,
    key_id: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> Rotation:
    """Make a new master key active (or `new_key`, named `key_id`) and re-wrap every live data
    key under it; or, when an earlier run was interrupted and no key is given, finish that.

    `on_batch(n)` is called after each committed batch of n data keys (progress)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with _maintenance(url) as conn:
        ring = load(key_file)  # read under the lock: no other rotation is rewriting it
        counts = repo.live_data_keys_by_kek(conn)
        missing = {kid: n for kid, n in counts.items() if kid not in ring.keks}
        if missing:
            named = ", ".join(f"{n} under {kid}" for kid, n in missing.items())
            raise MasterKeyMissing(
                f"live data keys are wrapped under master keys that {key_file} does not hold "
                f"({named}): this key file cannot re-wrap them; nothing was changed"
            )
        # the file must be the one the database recorded (the master keys a rotation added
        # and may not have recorded yet aside): a rotation never adopts a key file
        Vault(ring, key_file).check_holds_database_keys(conn, rotating=True)
        unfinished = any(kid != ring.active_kek_id for kid in counts)
        created = new_key is not None or key_id is not None or not unfinished
        if created:
            previous = sorted(ring.keks)
            ring = ring.with_active(key_id or new_kek_id(), new_key or secrets.token_bytes(32))
            with conn.transaction():  # logged with the change: the file is saved last, inside
                events.publish(conn, events.MasterKeyActivated(
                    kek_id=ring.active_kek_id, previous=previous, by="cli"))  # fmt: skip
                # Recorded now, not at the next start: a key file restored from before the
                # rotation (lacking this key) is then refused, even if the start-up probe
                # happens to pick a data key still under an old one.
                repo.record_key_fingerprints(
                    conn, {("master", kid): fingerprint(key) for kid, key in ring.keks.items()}
                )
                save(key_file, ring)  # before any data key moves under it
        rewrapped = sum(
            _rewrap_all_under(conn, ring, old, batch_size, on_batch)
            for old in sorted(ring.keks)
            if old != ring.active_kek_id
        )
        remaining = {
            kid: n for kid, n in repo.live_data_keys_by_kek(conn).items()
            if kid != ring.active_kek_id
        }  # fmt: skip
    return Rotation(ring.active_kek_id, created, rewrapped, remaining)


def _rewrap_all_under(
    conn: psycopg.Connection[Any],
    ring: KeyRing,
    old: str,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> int:
    """Move every live data key from master key `old` to the active one, a batch per commit."""
    done = 0
    after: tuple[Any, int] | None = None
    while True:
        with conn.transaction():
            rows = repo.data_keys_under(conn, old, after, batch_size)
            if not rows:
                return done
            plain = []
            for subject_id, version, wrapped in rows:
                try:
                    plain.append(aes_key_unwrap(ring.keks[old], wrapped))
                except InvalidUnwrap as exc:
                    raise VaultError(
                        f"data key {version} of subject {subject_id} does not unwrap under "
                        f"{old}; the batch was not changed"
                    ) from exc
            rewrapped = wrap_many(ring.active_kek, plain)
            done += repo.rewrap_data_keys(
                conn,
                ring.active_kek_id,
                [(s, v, w) for (s, v, _), w in zip(rows, rewrapped, strict=True)],
            )
        after = (rows[-1][0], rows[-1][1])
        if on_batch is not None:
            on_batch(len(rows))


def retire_master_key(url: str, key_file: Path, kek_id: str, now: datetime | None = None) -> None:
    """Remove master key `kek_id` from the key file, once no live data key is wrapped under it.

    The count and the rewrite of the file happen under the exclusive master-keys lock, which
    every transaction wrapping new data keys holds shared: none can slip in between."""
    with _maintenance(url) as conn:
        ring = load(key_file)
        if kek_id in ring.retired:
            raise MasterKeyUnknown(
                f"master key {kek_id} was already retired at {ring.retired[kek_id]}", field="key_id"
            )
        if kek_id not in ring.keks:
            raise MasterKeyUnknown(f"{key_file} holds no master key {kek_id}", field="key_id")
        if kek_id == ring.active_kek_id:
            raise MasterKeyInUse(
                f"master key {kek_id} is the active one: rotate to a new master key first "
                "(bureau vault rotate-master-key)",
                field="key_id",
            )
        with conn.transaction():
            repo.lock_master_keys(conn, exclusive=True)
            remaining = repo.live_data_keys_by_kek(conn).get(kek_id, 0)
            if remaining:
                raise MasterKeyInUse(
                    f"{remaining} data key(s) are still wrapped under master key {kek_id}: "
                    "run `bureau vault rotate-master-key` to finish re-wrapping them, then retry",
                    field="key_id",
                    remaining=remaining,
                )
            events.publish(conn, events.MasterKeyRetired(kek_id=kek_id, by="cli"))
            save(key_file, ring.without(kek_id, now or datetime.now(UTC)))


def master_key_status(conn: psycopg.Connection[Any], ring: KeyRing) -> list[MasterKeyStatus]:
    """Every master key the file or the database knows, and how many data keys it wraps."""
    counts = repo.live_data_keys_by_kek(conn)
    ids = sorted(set(ring.keks) | set(ring.retired) | set(counts))
    statuses = []
    for kid in ids:
        if kid == ring.active_kek_id:
            state = "active"
        elif kid in ring.keks:
            state = "previous"
        elif kid in ring.retired:
            state = "retired"
        else:
            state = "missing"
        statuses.append(MasterKeyStatus(kid, state, counts.get(kid, 0)))
    return statuses
