"""Bulk subject creation (furnishing): the same keys and ciphertexts as one at a time."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg

from bureau.subjects.creation import open_files
from bureau.vault import Vault


def test_new_subjects_in_bulk_are_real_subjects_whose_keys_unwrap(
    conn: psycopg.Connection[Any], vault: Vault
) -> None:
    ids = [uuid4() for _ in range(5)]
    ciphers = open_files(conn, vault, ids)
    assert [c.subject_id for c in ciphers] == ids
    for cipher in ciphers:
        blob = cipher.encrypt("name", "ANA GARCIA")
        again = vault.cipher_for(conn, cipher.subject_id)  # unwraps the stored key
        assert again.decrypt("name", blob) == "ANA GARCIA"
    row = conn.execute(
        "SELECT count(*) AS n FROM subjects WHERE subject_id = ANY(%s) AND status = 'active'",
        (ids,),
    ).fetchone()
    assert row is not None and row["n"] == 5
