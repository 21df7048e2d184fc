"""The vault: identity is stored only as ciphertext, bound to its subject and kind."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from bureau.subjects.creation import open_file
from bureau.vault import KeyRingError, Vault, VaultError
from bureau.vault.keyring import load


def test_key_file_is_created_on_first_run_with_mode_0600(key_file: Path) -> None:
    Vault.from_key_file(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_key_file_readable_by_others_is_refused(key_file: Path) -> None:
    Vault.from_key_file(key_file)
    key_file.chmod(0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        load(key_file)


def test_same_key_file_opens_the_same_data(
    key_file: Path, conn: psycopg.Connection[dict[str, Any]]
) -> None:
    subject_id = uuid4()
    blob = open_file(conn, Vault.from_key_file(key_file), subject_id).encrypt("name", "Ada Obi")
    reopened = Vault.from_key_file(key_file)
    assert reopened.cipher_for(conn, subject_id).decrypt("name", blob) == "Ada Obi"


def test_round_trip_records_the_data_key_and_master_key_ids(
    vault: Vault, conn: psycopg.Connection[dict[str, Any]]
) -> None:
    subject_id = uuid4()
    cipher = open_file(conn, vault, subject_id)
    blob = cipher.encrypt("national_id", "123456789")
    assert b"123456789" not in blob
    assert vault.cipher_for(conn, subject_id).decrypt("national_id", blob) == "123456789"
    # the ciphertext names its data key version; the data key row names its master key
    assert int.from_bytes(blob[1:5], "big") == cipher.key_version == 1
    row = conn.execute(
        "SELECT kek_id FROM subject_keys WHERE subject_id = %s", (subject_id,)
    ).fetchone()
    assert row is not None and row["kek_id"] == vault.active_kek_id


def test_ciphertext_moved_to_another_subject_does_not_decrypt(
    vault: Vault, conn: psycopg.Connection[dict[str, Any]]
) -> None:
    alice, bob = uuid4(), uuid4()
    blob = open_file(conn, vault, alice).encrypt("name", "Alice")
    open_file(conn, vault, bob)
    with pytest.raises(VaultError):
        vault.cipher_for(conn, bob).decrypt("name", blob)


def test_ciphertext_moved_to_another_kind_does_not_decrypt(
    vault: Vault, conn: psycopg.Connection[dict[str, Any]]
) -> None:
    subject_id = uuid4()
    blob = open_file(conn, vault, subject_id).encrypt("name", "Alice")
    with pytest.raises(VaultError):
        vault.cipher_for(conn, subject_id).decrypt("address", blob)


def test_shredded_subject_is_unrecoverable(
    vault: Vault, conn: psycopg.Connection[dict[str, Any]]
) -> None:
    subject_id = uuid4()
    open_file(conn, vault, subject_id).encrypt("name", "Alice")
    vault.shred(conn, subject_id)
    with pytest.raises(VaultError, match="no live data key"):
        vault.cipher_for(conn, subject_id)
    row = conn.execute(
        "SELECT count(*) AS live FROM subject_keys WHERE subject_id = %s "
        "AND wrapped_key IS NOT NULL",
        (subject_id,),
    ).fetchone()
    assert row is not None and row["live"] == 0


def test_blind_index_matches_the_same_fact_written_differently(vault: Vault) -> None:
    assert vault.blind_index("name", "O'Brien, Mary-Ann") == vault.blind_index(
        "name", "OBRIEN MARY ANN"
    )
    assert vault.blind_index("national_id", "123-45-6789") == vault.blind_index(
        "national_id", "123456789"
    )
    assert vault.blind_index("dob", "01311980") == vault.blind_index("dob", "1980-01-31")
    assert vault.blind_index("address", "12 Main Street, Apartment 4") == vault.blind_index(
        "address", "12 MAIN ST APT 4"
    )


def test_blind_indexes_of_different_kinds_never_collide(vault: Vault) -> None:
    assert vault.blind_index("national_id", "123456789") != vault.blind_index("phone", "123456789")


def test_blind_index_depends_on_the_secret_key(vault: Vault, key_file: Path) -> None:
    other = Vault.from_key_file(key_file)
    assert other.blind_index("name", "Alice") != vault.blind_index("name", "Alice")
