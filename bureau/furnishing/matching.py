"""Which subject a furnished account belongs to, decided for a whole batch at once.

Rules, in order (each by blind index; plaintext never reaches the database):
  1. the account itself: this furnisher already reported this account number -> its subject
     (an account whose number changes, L1, is found by its new number, else by its previous
     one, and is then renumbered: same tradeline, history kept); an associated consumer (J1,
     J2) is known on the account by their name;
  2. national id + date of birth held by exactly one subject (a shredded file holds no blind
     index: bureau/subjects/identities.py);
  3. without a national id in the record: name + date of birth + address held by exactly one
     subject (a record whose national id is unknown to the bureau is a new person, never
     merged by name into someone with another number);
  4. otherwise a new subject (a new file), shared by the batch's records that carry the same
     national id + date of birth (or, without them, the same name + date of birth + address).
     Before opening it the transaction locks every key a rule could find that file by (both,
     for a record with a national id and an address) and matches again
     (bureau/subjects/creation.py), so two ingests reporting the same new person at once open
     one file, not two, with or without the national id in either.
Ambiguous matches (two subjects) never merge files: the account gets a new subject, because
mixing two people's files is the worst error a bureau can make. Associated consumers go through
the same rules as the base segment's consumer, each to their own file.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from bureau.furnishing import repo
from bureau.furnishing.accounts import Account
from bureau.furnishing.keying import Keyed, keyed_accounts
from bureau.subjects import identities
from bureau.subjects.creation import Creation, matching_keys, open_files
from bureau.vault import SubjectCipher, Vault

MATCH_RULES = ("account", "national_id+dob", "name+dob+address", "new")
_CIPHER_CACHE = 4096


@dataclass
class Match:
    account: Account
    subject_id: UUID
    tradeline_id: UUID | None  # known when the account already exists
    account_ref: bytes  # the reference the account is stored under from now on
    rule: str
    keys: dict[str, bytes]  # blind index per identity kind
    renumbered: bool = False  # an existing account found by its previous number (L1)


def _on_account(
    item: Keyed, known: dict[Any, tuple[UUID, UUID]]
) -> tuple[tuple[UUID, UUID] | None, bool]:
    """This consumer's row of the account, if the furnisher reported it before, and whether
    it is found by its previous number (to be renumbered). By the new number first: once a
    change is applied (or when both numbers are in use), the previous one no longer names it.
    The base segment's consumer is keyed by the account; an associated one also by name."""
    for ref, renumbered in ((item.new_ref, False), (item.ref, item.new_ref is not None)):
        if ref is None:
            continue
        key = ref if item.account.role == "base" else (ref, item.keys["name"])
        if key in known:
            return known[key], renumbered
    return None, False


class Matcher:
    """Resolves batches of accounts for one furnisher inside the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID) -> None:
        self.conn = conn
        self.vault = vault
        self.indexer = vault.blind_indexer()
        self.furnisher_id = furnisher_id
        self._ciphers: OrderedDict[UUID, SubjectCipher] = OrderedDict()
        self.creation = Creation(conn)  # the new-person locks this transaction holds
        self.created = 0
        self.stored: dict[bytes, dict[str, Any]] = {}  # of the batch last resolved

    def cipher(self, subject_id: UUID) -> SubjectCipher:
        """The subject's cipher, from a bounded cache (memory stays flat on huge files)."""
        cipher = self._ciphers.get(subject_id)
        if cipher is None:
            cipher = self.vault.cipher_for(self.conn, subject_id)
            self._remember(cipher)
        else:
            self._ciphers.move_to_end(subject_id)
        return cipher

    def _remember(self, cipher: SubjectCipher) -> None:
        self._ciphers[cipher.subject_id] = cipher
        if len(self._ciphers) > _CIPHER_CACHE:
            self._ciphers.popitem(last=False)

    def keyed(self, account: Account) -> Keyed:
        """The account with its blind indexes (keying.py; an ingest keys whole batches)."""
        return keyed_accounts(self.indexer, self.furnisher_id, [account])[0]

    def resolve(self, batch: list[Keyed]) -> list[Match]:
        refs = [k.ref for k in batch] + [k.new_ref for k in batch if k.new_ref]
        # the accounts' stored state, kept for the cycle-to-cycle rules of this batch
        self.stored = repo.previous_cycles(self.conn, self.furnisher_id, refs)
        known: dict[Any, tuple[UUID, UUID]] = {
            ref: (row["subject_id"], row["tradeline_id"]) for ref, row in self.stored.items()
        }
        if any(k.account.role != "base" for k in batch):
            known.update(repo.associated_by_account(self.conn, self.furnisher_id, refs))
        matches: list[Match] = []
        pending: list[Match] = []
        for item in batch:
            account, keys = item.account, item.keys
            ref = item.new_ref or item.ref  # what the account is stored under from now on
            held, renumbered = _on_account(item, known)
            if held is not None:
                subject_id, tradeline_id = held
                matches.append(Match(account, subject_id, tradeline_id, ref, "account", keys,
                                     renumbered=renumbered))  # fmt: skip
            elif account.role != "base" and account.delete_reason:
                continue  # taken off an account they were never on: nothing to do
            else:
                match = Match(account, UUID(int=0), None, ref, "", keys)
                pending.append(match)
                matches.append(match)
        self._by_identity_rules(pending)
        unmatched = [m for m in pending if not m.rule]
        people: list[tuple[str, tuple[bytes, ...]]] = []
        if not self.creation.exclusive:  # exclusive: nobody else opens a file meanwhile
            people = [key for m in unmatched for key in matching_keys(m.keys)]
        if people and self.creation.claim(people):
            # locked: whoever opened one of these files meanwhile has committed it by now
            self._by_identity_rules(unmatched)
        self._new_subjects([m for m in pending if not m.rule])
        return matches

    def _by_identity_rules(self, pending: list[Match]) -> None:
        self._by_identity(pending, ("national_id", "dob"), "national_id+dob")
        self._by_identity(
            [m for m in pending if not m.rule and "national_id" not in m.keys],
            ("name", "dob", "address"),
            "name+dob+address",
        )

    def _by_identity(self, pending: list[Match], kinds: tuple[str, ...], rule: str) -> None:
        usable = [m for m in pending if all(k in m.keys for k in kinds)]
        keys = list({tuple(m.keys[k] for k in kinds) for m in usable})
        found = identities.subjects_holding(self.conn, kinds, keys)
        for m in usable:
            subjects = found.get(tuple(m.keys[k] for k in kinds), [])
            if len(subjects) == 1:
                m.subject_id, m.rule = subjects[0], rule

    def _new_subjects(self, pending: list[Match]) -> None:
        by_person: dict[tuple[bytes, ...], UUID] = {}
        pool = os.urandom(16 * len(pending))  # one system call for the batch's new ids
        ids = (pool[i : i + 16] for i in range(0, len(pool), 16))
        fresh: list[UUID] = []
        for m in pending:
            if "national_id" in m.keys and "dob" in m.keys:
                person: tuple[bytes, ...] = (m.keys["national_id"], m.keys["dob"])
            else:
                person = tuple(m.keys.get(k, b"") for k in ("name", "dob", "address"))
            if person not in by_person:
                by_person[person] = UUID(bytes=next(ids), version=4)  # a random (v4) uuid
                fresh.append(by_person[person])
            m.subject_id, m.rule = by_person[person], "new"
        if not fresh:
            return
        for cipher in open_files(self.conn, self.vault, fresh):
            self._remember(cipher)
        self.created += len(fresh)
