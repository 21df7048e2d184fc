"""Encryption a batch at a time: each value opens as SubjectCipher.encrypt's would, bound to
its subject and kind, under a nonce of its own."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from bureau.subjects.creation import open_files
from bureau.vault import Vault, VaultError
from bureau.vault.bulk_encrypt import encrypt_many


def test_a_batch_of_values_decrypts_per_subject_and_kind(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    one, two = open_files(conn, vault, [uuid4(), uuid4()])
    items = [(one, "name", "ANA GARCIA"), (two, "name", "LEE KIM"), (one, "account", "A-1")]
    sealed = encrypt_many(items)
    for (cipher, kind, text), blob in zip(items, sealed, strict=True):
        assert cipher.decrypt(kind, blob) == text
        assert blob[:5] == cipher.encrypt(kind, text)[:5]  # same layout: version, key version
    assert len({blob[5:17] for blob in sealed}) == len(sealed)  # a nonce per value
    with pytest.raises(VaultError):
        two.decrypt("name", sealed[0])  # another subject's value does not open
    with pytest.raises(VaultError):
        one.decrypt("address", sealed[0])  # nor the same subject's under another kind


def test_an_empty_batch_encrypts_nothing() -> None:
    assert encrypt_many([]) == []
