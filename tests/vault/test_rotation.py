"""Master key rotation: every data key moves to the new master key, batch by batch, the data
stays readable throughout, an interrupted run resumes, and a key is retired only when unused."""

from __future__ import annotations

import base64
import json
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from psycopg.rows import dict_row

from bureau.subjects.creation import open_file, open_files
from bureau.subjects.key_adoption import adopt
from bureau.vault import Vault, VaultError
from bureau.vault import keyring as keyring_module
from bureau.vault.keyring import KeyRing, load
from bureau.vault.rotation import (
    MasterKeyInUse,
    MasterKeyMissing,
    MasterKeyUnknown,
    retire_master_key,
    rotate_master_key,
)


@dataclass
class World:
    """Subjects with one encrypted value each, committed, and the vault that wrote them."""

    vault: Vault
    blobs: dict[UUID, bytes]
    first_kek: str


def build(url: str, key_file: Path, subjects: int = 7) -> World:
    blobs: dict[UUID, bytes] = {}
    with psycopg.connect(url, row_factory=dict_row) as conn:
        vault = Vault.initialise(key_file, conn)  # as `bureau init` makes it
        for _ in range(subjects - 3):  # one at a time, as enrolment does
            subject_id = uuid4()
            blobs[subject_id] = open_file(conn, vault, subject_id).encrypt(
                "name", f"N {subject_id}"
            )
        for cipher in open_files(conn, vault, [uuid4() for _ in range(3)]):  # as furnishing does
            blobs[cipher.subject_id] = cipher.encrypt("name", f"N {cipher.subject_id}")
    return World(vault, blobs, vault.active_kek_id)


def kek_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT kek_id, count(*) FROM subject_keys WHERE wrapped_key IS NOT NULL GROUP BY 1"
        ).fetchall()
    return {str(k): int(n) for k, n in rows}


def assert_all_readable(url: str, vault: Vault, blobs: dict[UUID, bytes]) -> None:
    with psycopg.connect(url) as conn:
        for subject_id, blob in blobs.items():
            assert vault.cipher_for(conn, subject_id).decrypt("name", blob) == f"N {subject_id}"


class Interrupted(Exception):
    pass


def interrupt_after_first_batch(n: int) -> None:
    raise Interrupted(f"stopped after a batch of {n}")


def test_rotation_rewraps_every_data_key_and_data_stays_readable(
    own_database: str, key_file: Path
) -> None:
    world = build(own_database, key_file)
    with psycopg.connect(own_database) as conn:
        before: dict[UUID, bytes] = dict(
            conn.execute("SELECT subject_id, wrapped_key FROM subject_keys").fetchall()
        )
    batches: list[int] = []

    rotation = rotate_master_key(own_database, key_file, batch_size=3, on_batch=batches.append)

    assert rotation.created and rotation.active_kek_id != world.first_kek
    assert rotation.rewrapped == 7 and rotation.remaining == {}
    assert batches == [3, 3, 1]
    assert kek_counts(own_database) == {rotation.active_kek_id: 7}
    with psycopg.connect(own_database) as conn:
        after: dict[UUID, bytes] = dict(
            conn.execute("SELECT subject_id, wrapped_key FROM subject_keys").fetchall()
        )
    assert all(after[s] != before[s] for s in before)  # really re-wrapped, not relabelled
    ring = load(key_file)
    assert ring.active_kek_id == rotation.active_kek_id
    assert set(ring.keks) == {world.first_kek, rotation.active_kek_id}  # old kept to unwrap
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == [key_file.name]  # no temp left
    # a process started afterwards, and one that was running all along, both read everything
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)
    assert_all_readable(own_database, world.vault, world.blobs)
    # and the running one wraps new subjects under the new key without a restart
    with psycopg.connect(own_database) as conn:
        open_file(conn, world.vault, uuid4())
    assert kek_counts(own_database) == {rotation.active_kek_id: 8}


def test_rotation_leaves_shredded_keys_destroyed(own_database: str, key_file: Path) -> None:
    world = build(own_database, key_file, subjects=4)
    shredded = next(iter(world.blobs))
    with psycopg.connect(own_database) as conn:
        world.vault.shred(conn, shredded)
    rotation = rotate_master_key(own_database, key_file, batch_size=2)
    assert rotation.rewrapped == 3
    with psycopg.connect(own_database) as conn, pytest.raises(VaultError, match="no live data key"):
        Vault.from_key_file(key_file).cipher_for(conn, shredded)


def test_rotation_is_resumable_after_interruption(own_database: str, key_file: Path) -> None:
    world = build(own_database, key_file)

    with pytest.raises(Interrupted):
        rotate_master_key(
            own_database, key_file, batch_size=3, on_batch=interrupt_after_first_batch
        )

    new_kek = load(key_file).active_kek_id
    assert new_kek != world.first_kek
    # the first batch is committed, the rest waits under the old key; nothing is unreadable
    assert kek_counts(own_database) == {new_kek: 3, world.first_kek: 4}
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)

    resumed = rotate_master_key(own_database, key_file, batch_size=3)

    assert not resumed.created and resumed.active_kek_id == new_kek  # no third key
    assert resumed.rewrapped == 4 and resumed.remaining == {}
    assert kek_counts(own_database) == {new_kek: 7}
    assert set(load(key_file).keks) == {world.first_kek, new_kek}
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)
    # a run with nothing unfinished is a new rotation
    again = rotate_master_key(own_database, key_file, batch_size=3)
    assert again.created and again.active_kek_id != new_kek and again.rewrapped == 7


def test_a_key_file_from_before_an_interrupted_rotation_is_refused_at_start(
    own_database: str, key_file: Path, tmp_path: Path
) -> None:
    world = build(own_database, key_file)
    backup = tmp_path / "backup" / "master.key"
    backup.parent.mkdir(mode=0o700)
    backup.write_text(key_file.read_text())
    backup.chmod(0o600)
    with pytest.raises(Interrupted):
        rotate_master_key(
            own_database, key_file, batch_size=3, on_batch=interrupt_after_first_batch
        )
    new_kek = load(key_file).active_kek_id
    assert kek_counts(own_database) == {new_kek: 3, world.first_kek: 4}
    # The backup still unwraps most data keys (a probe could pick one of them), but the
    # rotation recorded the new master key, which the backup lacks.
    with (
        psycopg.connect(own_database) as conn,
        pytest.raises(VaultError, match=f"lacks master key {new_kek}"),
    ):
        Vault.for_database(backup, conn)
    with psycopg.connect(own_database) as conn:
        Vault.for_database(key_file, conn)  # the rotated file starts


# A key file exactly as fairfile wrote it before rotation existed: one master key.
OLD_KEY_FILE = """{
  "format": "fairfile-keyring/1",
  "active_kek": "kek-20260101-0a1b2c3d",
  "keks": {
    "kek-20260101-0a1b2c3d": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
  },
  "blind_index_key": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
}"""


def test_old_single_key_file_still_loads(own_database: str, key_file: Path) -> None:
    key_file.parent.mkdir(mode=0o700)
    key_file.write_text(OLD_KEY_FILE)
    key_file.chmod(0o600)
    old_kek = bytes(range(32))
    vault = Vault.from_key_file(key_file)
    assert vault.active_kek_id == "kek-20260101-0a1b2c3d"
    # a data key wrapped by the old code under that key, and a value sealed with it
    data_key, subject_id = bytes(range(100, 132)), uuid4()
    with psycopg.connect(own_database) as conn:
        conn.execute("INSERT INTO subjects (subject_id) VALUES (%s)", (subject_id,))
        conn.execute(
            "INSERT INTO subject_keys (subject_id, key_version, kek_id, wrapped_key) "
            "VALUES (%s, 1, 'kek-20260101-0a1b2c3d', %s)",
            (subject_id, aes_key_wrap(old_kek, data_key)),
        )
        blob = vault.cipher_for(conn, subject_id).encrypt("name", f"N {subject_id}")
        adopt(conn, vault)  # a database from before fingerprints were kept: adopted first
    blind = vault.blind_index("name", "Ada Obi")

    rotation = rotate_master_key(own_database, key_file, batch_size=1)
    retire_master_key(own_database, key_file, "kek-20260101-0a1b2c3d")

    assert rotation.rewrapped == 1
    reopened = Vault.from_key_file(key_file)
    assert_all_readable(own_database, reopened, {subject_id: blob})
    assert reopened.blind_index("name", "Ada Obi") == blind  # blind indexes do not move
    doc = json.loads(key_file.read_text())
    assert doc["format"] == "fairfile-keyring/1"
    assert list(doc["keks"]) == [rotation.active_kek_id]
    assert list(doc["retired"]) == ["kek-20260101-0a1b2c3d"]


def test_a_key_file_without_retired_keys_is_written_as_before() -> None:
    ring = KeyRing.from_json(OLD_KEY_FILE, "old")
    assert json.loads(ring.to_json()) == json.loads(OLD_KEY_FILE)


def test_retiring_a_key_still_in_use_is_refused(own_database: str, key_file: Path) -> None:
    world = build(own_database, key_file)
    with pytest.raises(Interrupted):
        rotate_master_key(
            own_database, key_file, batch_size=2, on_batch=interrupt_after_first_batch
        )
    new_kek = load(key_file).active_kek_id
    before = key_file.read_bytes()

    with pytest.raises(MasterKeyInUse, match=r"5 data key\(s\) are still wrapped") as refused:
        retire_master_key(own_database, key_file, world.first_kek)
    assert refused.value.extra == {"remaining": 5}
    with pytest.raises(MasterKeyInUse, match="is the active one"):
        retire_master_key(own_database, key_file, new_kek)
    with pytest.raises(MasterKeyUnknown, match="holds no master key kek-nope"):
        retire_master_key(own_database, key_file, "kek-nope")
    assert key_file.read_bytes() == before  # nothing half-written
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)


def test_after_retirement_the_old_key_is_gone_and_everything_reads(
    own_database: str, key_file: Path
) -> None:
    world = build(own_database, key_file)
    old_material = base64.b64encode(load(key_file).keks[world.first_kek]).decode()
    rotation = rotate_master_key(own_database, key_file, batch_size=4)

    retire_master_key(own_database, key_file, world.first_kek)

    text = key_file.read_text()
    assert old_material not in text
    ring = load(key_file)
    assert set(ring.keks) == {rotation.active_kek_id} and world.first_kek in ring.retired
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)
    assert_all_readable(own_database, world.vault, world.blobs)  # the long-running process too
    with pytest.raises(VaultError, match=f"master key {world.first_kek} was retired"):
        Vault.from_key_file(key_file).cipher_from(uuid4(), [(1, world.first_kek, b"x" * 40)])
    with pytest.raises(MasterKeyUnknown, match="already retired"):
        retire_master_key(own_database, key_file, world.first_kek)
    with psycopg.connect(own_database) as conn:
        logged = conn.execute(
            "SELECT event, subject_id FROM audit_log WHERE event LIKE 'master_key.%' "
            "ORDER BY entry_id"
        ).fetchall()
    assert logged == [("master_key.activated", None), ("master_key.retired", None)]


def test_retirement_waits_for_a_data_key_being_wrapped_under_the_old_key_and_counts_it(
    own_database: str, key_file: Path
) -> None:
    world = build(own_database, key_file, subjects=4)
    old_ring = load(key_file)
    rotate_master_key(own_database, key_file, batch_size=10)
    # a process that never re-reads the key file is wrapping a data key under the old key
    stale = Vault(old_ring)
    outcome: list[BaseException | None] = []
    with psycopg.connect(own_database) as writer:
        open_file(writer, stale, uuid4())

        def retire() -> None:
            try:
                retire_master_key(own_database, key_file, world.first_kek)
                outcome.append(None)
            except BaseException as exc:  # handed to the test thread
                outcome.append(exc)

        thread = threading.Thread(target=retire)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and outcome == []  # waiting for the wrap to commit or not
    thread.join(10)  # the writer committed on leaving the block
    assert len(outcome) == 1 and isinstance(outcome[0], MasterKeyInUse)
    assert "1 data key(s)" in str(outcome[0])
    assert world.first_kek in load(key_file).keks
    # the straggler is picked up by running the rotation again, and then retirement succeeds
    assert rotate_master_key(own_database, key_file).rewrapped == 1
    retire_master_key(own_database, key_file, world.first_kek)


def test_rotation_refuses_data_keys_under_a_master_key_the_file_lacks(
    own_database: str, key_file: Path, tmp_path: Path
) -> None:
    world = build(own_database, key_file, subjects=4)
    other = tmp_path / "other" / "master.key"
    Vault.from_key_file(other)
    before = other.read_bytes()
    with pytest.raises(MasterKeyMissing, match=f"4 under {world.first_kek}"):
        rotate_master_key(own_database, other)
    assert other.read_bytes() == before
    assert kek_counts(own_database) == {world.first_kek: 4}


def test_a_given_master_key_and_id_are_used(own_database: str, key_file: Path) -> None:
    world = build(own_database, key_file, subjects=4)
    given = bytes(range(50, 82))
    rotation = rotate_master_key(own_database, key_file, new_key=given, key_id="kek-hsm-2027")
    assert rotation.active_kek_id == "kek-hsm-2027" and load(key_file).active_kek == given
    assert_all_readable(own_database, Vault.from_key_file(key_file), world.blobs)


def test_a_crash_while_rewriting_the_key_file_leaves_the_old_file_whole(
    own_database: str, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build(own_database, key_file, subjects=4)
    before = key_file.read_bytes()

    def crash(*_: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(keyring_module.os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        rotate_master_key(own_database, key_file)
    monkeypatch.undo()
    assert key_file.read_bytes() == before
    assert [p.name for p in key_file.parent.iterdir()] == [key_file.name]
    assert kek_counts(own_database) == {world.first_kek: 4}  # no data key moved
