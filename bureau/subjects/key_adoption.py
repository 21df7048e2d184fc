"""`bureau keys adopt`: record the fingerprints of a database's keys, for a database that holds
data but records none (written before fingerprints were kept, or whose records were lost).

Why explicit: a start that recorded whatever key file it was given (trust on first use)
accepted another blind-index key on the first start, and a furnish of known accounts then
made a duplicate of every subject. Adoption checks what the data can prove before it records:
one data key under every master key in use unwraps, and stored blind indexes of a few
subjects are reproduced from their decrypted identity facts, so a key file with another
blind-index key is refused. A database whose every subject was shredded has no fact to check
the blind-index key against; adoption says so. docs/vault.md describes the procedure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import one_transaction
from bureau.db.server import ready_url
from bureau.subjects import identities
from bureau.vault import Vault, VaultError
from bureau.vault import repo as vault_repo
from bureau.vault.keyring import load

SAMPLE = 5
"""Subjects whose stored blind index the key file must reproduce."""

_CHECKED_KINDS = ("national_id", "dob")  # stored exactly as blind-indexed (an address is not)


@dataclass(frozen=True)
class Adoption:
    master_keys: list[str]  # master keys proved by unwrapping a data key under each
    blind_indexes_reproduced: int  # stored blind indexes the key file reproduced (0: unchecked)


def adopt(conn: psycopg.Connection[Any], vault: Vault) -> Adoption:
    """Check `vault`'s key file against the database's data, then record its fingerprints.
    VaultError (one line naming FAIRFILE_KEY_FILE) on any mismatch, recording nothing."""
    if vault_repo.key_fingerprints(conn):
        raise VaultError(
            "FAIRFILE_KEY_FILE: this database already records its key fingerprints; there is "
            "nothing to adopt (a start checks the key file against them)"
        )
    masters = vault.unwrapped_samples(conn)
    reproduced = 0
    for subject_id, kind, ciphertext, stored in identities.sample_facts(
        conn, _CHECKED_KINDS, SAMPLE
    ):
        try:
            plain = vault.cipher_for(conn, subject_id).decrypt(kind, ciphertext)
        except VaultError:
            continue  # shredded meanwhile: nothing to compare
        if vault.blind_index(kind, plain) != stored:
            raise VaultError(
                "FAIRFILE_KEY_FILE: the key file holds another blind-index key than this "
                f"database was written with (subject {subject_id}'s {kind} does not reproduce "
                "its stored blind index); nothing was recorded (docs/vault.md)"
            )
        reproduced += 1
    vault.record_fingerprints(conn)
    return Adoption(masters, reproduced)


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "keys", help="adopt the key file of a database that records no key fingerprints"
    )
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    adopt_cmd = sub.add_parser(
        "adopt",
        help="check FAIRFILE_KEY_FILE against the database's data, then record its fingerprints",
    )
    adopt_cmd.add_argument("--data-dir", help="embedded database and key file directory")
    adopt_cmd.set_defaults(func=run_adopt)


def run_adopt(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = ready_url(settings)
    with one_transaction(url) as conn:
        done = adopt(conn, Vault(load(settings.key_file), settings.key_file))
    if done.blind_indexes_reproduced == 0:
        note = "no subject has an identity fact left to check the blind-index key against"
    else:
        note = f"{done.blind_indexes_reproduced} stored blind index(es) reproduced"
    masters = ", ".join(done.master_keys) or "none in use"
    print(f"adopted {settings.key_file}: master keys unwrap ({masters}); {note}", file=sys.stderr)
    print(json.dumps({"key_file": str(settings.key_file), **asdict(done)}))
    return 0
