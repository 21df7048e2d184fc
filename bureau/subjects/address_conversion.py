"""Addresses stored as text before migration 0160 become their fields (issue 19).

A migration cannot do this: the values are encrypted with each subject's data key, and only a
process holding the master key can open them. `bureau subjects convert-addresses` does it
with the vault: each address stored as 'street, city ST zip' text is decrypted, split into its
fields (`address.parse_address`) and encrypted again as the fields. The fact keeps its id,
blind index (taken over the same text, so matching is unchanged), source and times. Safe to
run again: an address already stored as its fields is left alone. One subject per savepoint,
so a file whose keys are gone (shredded meanwhile) is skipped, not a failure of the run.
"""

from __future__ import annotations

from typing import Any

import psycopg

from bureau.subjects import identities
from bureau.subjects.address import parse_address
from bureau.vault import Vault
from bureau.vault.vault import VaultError


def convert_stored_addresses(conn: psycopg.Connection[Any], vault: Vault) -> dict[str, int]:
    """Convert every address still stored as text; returns how many, and files skipped."""
    converted = skipped = 0
    for subject_id in identities.with_facts_of_kind(conn, "address"):
        with conn.transaction():
            values = identities.locked_values(conn, subject_id)
            try:
                cipher = vault.cipher_for(conn, subject_id)
                plain = [
                    cipher.decrypt(kind, ct) if kind == "address" else "" for kind, ct in values
                ]
            except VaultError:
                skipped += 1
                continue
            renewed = [
                cipher.encrypt(kind, parse_address(text).stored())
                if kind == "address" and not text.startswith("{") else ct
                for (kind, ct), text in zip(values, plain, strict=True)
            ]  # fmt: skip
            changed = sum(1 for old, new in zip(values, renewed, strict=True) if old[1] != new)
            if changed:
                identities.replace_values(conn, subject_id, renewed)
                converted += changed
    return {"converted": converted, "skipped_files": skipped}
