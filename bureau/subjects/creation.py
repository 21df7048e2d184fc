"""Opening a new file: one person never gets two because two transactions saw them at once.

Matching (bureau/furnishing/matching.py, and enrolment.py) reads which subjects hold a blind
index, and a subject created by another transaction is invisible until that transaction
commits. Two furnishers reporting the same new person at the same moment (or a furnisher and
the person's own enrolment) would each find nobody and each open a file. So, before a new
subject is created, the transaction takes an advisory lock named after the new person's
matching key, held until it commits, and then matches again: whoever waited now sees the file
the other committed (READ COMMITTED: each statement sees every earlier commit).

The lock keys (`person_lock_key`) are derived from the blind indexes that decide "same person":
national id + date of birth (rule 2) and name + date of birth + address (rule 3). A new person
is locked under EVERY key a rule could later find their file by (`matching_keys`), not only the
one their own record is matched by: a record with a national id is matched by rule 2 alone, but
the file it opens holds a name, date of birth and address too, which a record without a
national id finds by rule 3. Locking both means any two records that could match each other's
new file share at least one key, so one waits for the other. Each key is the first 8 bytes of
SHA-256 over a fixed tag, the rule and those blind indexes (each 32 bytes, so the joining is
unambiguous), as a signed bigint: keyed by the HMACs, so no plaintext reaches pg_locks, and
tagged, so it never meets the bureau's other advisory keys (furnisher, audit tree head).
A collision of two people's keys only makes one ingest wait for the other. Records that no
rule could ever match (no key complete) take no lock: done one after the other they would
open two files too.

Only records about to open a file take a lock (matching by account, the monthly case, takes
none), in ascending key order within a batch, in one statement, so two ingests locking
overlapping people in opposite record orders cannot deadlock. Every person lock sits under
the creation lock taken SHARED; a transaction that would hold more than `KEYED_LIMIT` person
locks (counted in keys, not records: a new person with a national id and an address takes
two) takes the creation lock EXCLUSIVE instead, once (a large file of new people, the sandbox
seed, the ingest bench): advisory locks live in PostgreSQL's shared lock table (about
max_locks_per_transaction x max_connections entries for the whole server), which a million
per-person locks would exhaust. While one large file opens files, other ingests wait for it
only when they are themselves about to open one.

Locks are held until commit, across a file's batches, so two multi-batch ingests can still
cross (A opened P in batch 1 and needs Q, B opened Q and needs P), as can two that both grow
past the limit. Only such a genuine crossing deadlocks; PostgreSQL then aborts one of them,
which is refused with `NewPeopleContended` (nothing from it was stored, a resend matches the
files the other opened). Refusing is right: each needs the other's file to decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import psycopg
from psycopg import errors

from bureau.errors import Conflict
from bureau.subjects import repo
from bureau.vault import SubjectCipher, Vault

# Person locks one transaction may hold before it takes the creation lock exclusive instead.
KEYED_LIMIT = 256
_TAG = b"fairfile:new-subject\x00"
# The creation lock (a constant key in the same bigint space as the person locks).
CREATION_LOCK = int.from_bytes(hashlib.sha256(_TAG + b"*").digest()[:8], "big", signed=True)
RULE_KINDS = {"national_id+dob": ("national_id", "dob"),
              "name+dob+address": ("name", "dob", "address")}  # fmt: skip


class NewPeopleContended(Conflict):
    """Two ingests each need the new files the other is opening; this one was stopped."""

    type = "new-people-contended"
    title = "Another ingest is opening files for the same new people"


def matching_keys(keys: dict[str, bytes]) -> list[tuple[str, tuple[bytes, ...]]]:
    """Every (rule, blind indexes) by which a later record could find this new person's file:
    the national id rule if the record has a national id and a date of birth, and the name
    rule if it has a name, date of birth and address (whether or not it has a national id).
    Empty when no rule could (then two records are two files whatever the timing)."""
    return [(rule, tuple(keys[kind] for kind in kinds))
            for rule, kinds in RULE_KINDS.items()
            if all(kind in keys for kind in kinds)]  # fmt: skip


def open_file(conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID) -> SubjectCipher:
    """A new subject: its row (written here, by the subjects' owner) and its first data key
    (the vault's), in the caller's transaction."""
    repo.insert_subject(conn, subject_id)
    return vault.first_key(conn, subject_id)


def open_files(
    conn: psycopg.Connection[Any], vault: Vault, subject_ids: Sequence[UUID]
) -> list[SubjectCipher]:
    """Many new subjects at once (bulk furnishing): one COPY of rows, one of data keys."""
    repo.insert_subjects(conn, subject_ids)
    return vault.first_keys(conn, subject_ids)


def person_lock_key(rule: str, indexes: tuple[bytes, ...]) -> int:
    """The advisory lock key of a new person (see the module's docstring)."""
    message = _TAG + rule.encode() + b"\x00" + b"".join(indexes)
    return int.from_bytes(hashlib.sha256(message).digest()[:8], "big", signed=True)


class Creation:
    """The creation locks one transaction holds (one instance per ingest or enrolment; the
    locks end with the transaction, another instance in it only takes some again)."""

    def __init__(
        self, conn: psycopg.Connection[Any], *, field: str = "records", limit: int | None = None
    ) -> None:
        self.conn = conn
        self.field = field  # what a refusal names: the records sent, or the claim enrolled
        self.limit = KEYED_LIMIT if limit is None else limit
        self.exclusive = False
        self.held: set[int] = set()

    def claim(self, people: Iterable[tuple[str, tuple[bytes, ...]]]) -> bool:
        """Lock these new people (rule, blind indexes) before their files are opened.
        Returns whether the caller must match them again: another transaction may have
        committed their files between the caller's match and the lock."""
        if self.exclusive:
            return False  # nobody else opens a file until this transaction ends
        new = sorted({person_lock_key(rule, indexes) for rule, indexes in people} - self.held)
        if not new:
            return False
        try:
            if len(self.held) + len(new) > self.limit:
                repo.lock_creation(self.conn, CREATION_LOCK, exclusive=True)
                self.exclusive = True
            else:
                if not self.held:
                    repo.lock_creation(self.conn, CREATION_LOCK, exclusive=False)
                repo.lock_people(self.conn, new)
                self.held.update(new)
        except errors.DeadlockDetected as exc:
            raise NewPeopleContended(
                "another ingest is opening files for some of the same new people and needs "
                "this one's; nothing from this request was stored: send it again",
                field=self.field,
            ) from exc
        return True
