"""Enrolment: a person becomes a subject with an encrypted identity.

Why match first: a person already known to the bureau (say, furnished by a lender before they
enrolled) must get their existing file, not a second, empty one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau.subjects import identities, repo
from bureau.subjects.creation import Creation, matching_keys, open_file
from bureau.subjects.errors import FileClosed
from bureau.vault import SubjectCipher, Vault


@dataclass(frozen=True)
class IdentityClaim:
    """Identity facts as given at enrolment or by a furnisher (plaintext, in memory only)."""

    name: str
    national_id: str | None
    dob: date | None
    addresses: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def facts(self) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = [("name", self.name)]
        if self.national_id:
            items.append(("national_id", self.national_id))
        if self.dob:
            items.append(("dob", self.dob.isoformat()))
        items += [("address", a) for a in self.addresses]
        items += [("phone", p) for p in self.phones]
        return items


def _matching_key(vault: Vault, claim: IdentityClaim) -> tuple[bytes, bytes] | None:
    """The claim's national id and date of birth blind indexes, if it has both."""
    if not (claim.national_id and claim.dob):
        return None
    return (vault.blind_index("national_id", claim.national_id),
            vault.blind_index("dob", claim.dob.isoformat()))  # fmt: skip


def _lock_keys(vault: Vault, claim: IdentityClaim) -> list[tuple[str, tuple[bytes, ...]]]:
    """Every key a furnished record could find this person's new file by (creation.py): the
    national id and date of birth, and name + date of birth + each address given."""
    held = {kind: vault.blind_index(kind, value) for kind, value in claim.facts()
            if kind in ("name", "national_id", "dob")}  # fmt: skip
    variants = [held | {"address": vault.blind_index("address", a)} for a in claim.addresses]
    return list(dict.fromkeys(key for keys in variants or [held] for key in matching_keys(keys)))


def match(conn: psycopg.Connection[Any], vault: Vault, claim: IdentityClaim) -> UUID | None:
    """The one subject with this national id and date of birth, if exactly one exists."""
    key = _matching_key(vault, claim)
    if key is None:
        return None
    found = repo.subjects_with_both(conn, ("national_id", key[0]), ("dob", key[1]))
    return found[0] if len(found) == 1 else None


def record_identity(
    conn: psycopg.Connection[Any],
    vault: Vault,
    cipher: SubjectCipher,
    claim: IdentityClaim,
    source_org_id: UUID | None = None,
) -> None:
    """Add the claim's facts to the subject's identity document (bureau/subjects/identities.py):
    an address is kept as its fields, blind-indexed over the text as given."""
    facts = []
    for kind, value in claim.facts():
        plain = identities.parse_address(value).stored() if kind == "address" else value
        facts.append((kind, cipher.encrypt(kind, plain), vault.blind_index(kind, value)))
    identities.add_facts(conn, cipher.subject_id, cipher.key_version, facts, source_org_id,
                         repo.transaction_time(conn))  # fmt: skip


def enrol(
    conn: psycopg.Connection[Any],
    vault: Vault,
    claim: IdentityClaim,
    subject_id: UUID | None = None,
) -> tuple[UUID, bool]:
    """The subject for this identity, created if new. Returns (subject_id, created)."""
    existing = match(conn, vault, claim)
    # about to open a file: lock this person, then look again (creation.py), so a furnisher
    # reporting them at this moment and this enrolment open one file, not two
    keys = _lock_keys(vault, claim) if existing is None else []
    if keys and Creation(conn, field="national_id").claim(keys):
        existing = match(conn, vault, claim)
    if existing is not None:
        if repo.file_status(conn, existing) != "active":
            # the person closed their file (it waits to be shredded): enrolling again must
            # neither reopen it behind their back nor open a second file beside it
            raise FileClosed(
                "this person's file is closed at their request; they can reopen it until it "
                "is erased, or enrol again after that",
                field="national_id",
            )
        record_identity(conn, vault, vault.cipher_for(conn, existing), claim)
        return existing, False
    new_id = subject_id or uuid4()
    cipher = open_file(conn, vault, new_id)
    record_identity(conn, vault, cipher, claim)
    return new_id, True
