"""From base records to accounts with their blind indexes, a batch at a time.

Pure CPU work (no database, no data key): the mapping of accounts.py and one HMAC per
identity fact, gathered per kind over the batch (vault/indexer.py), so it can run in the
ingest's reading thread or in a worker process (keying_pool.py) with the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from bureau.furnishing.accounts import Account, account_from_record, associated_accounts
from bureau.furnishing.metro2.records import Record, Segment
from bureau.subjects.address import index_value
from bureau.vault.indexer import BlindIndexer

# A base record as it travels to a worker: its number and its segments (kind, text).
Packed = tuple[int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Keyed:
    """An account and its blind indexes (account reference, one per identity kind)."""

    account: Account
    ref: bytes
    keys: dict[str, bytes]
    new_ref: bytes | None = None  # the new number's reference (L1)


def pack(record: Record) -> Packed:
    return record.number, tuple((s.kind, s.text) for s in record.segments)


def unpack(packed: Packed) -> Record:
    number, segments = packed
    return Record("base", [Segment(kind, text) for kind, text in segments], number=number)


def accounts_of(record: Record) -> list[Account]:
    """The account a base record reports, then the same account as each associated
    consumer (J1, J2) holds it, in that order."""
    account = account_from_record(record)
    if len(record.segments) == 1:
        return [account]
    return [account, *associated_accounts(record, account)]


def keyed_accounts(
    indexer: BlindIndexer, furnisher_id: UUID, accounts: Sequence[Account]
) -> list[Keyed]:
    """Each account with its blind indexes: the account reference (furnisher and number),
    the new number's reference (L1), and one per identity fact, as Vault.blind_index gives
    them, computed per kind for the whole batch."""
    refs = indexer.indexes("account", [f"{furnisher_id}:{a.account_number}" for a in accounts])
    renumbered = [i for i, a in enumerate(accounts) if a.new_account_number]
    new_refs: dict[int, bytes] = dict(zip(renumbered, indexer.indexes(
        "account", [f"{furnisher_id}:{accounts[i].new_account_number}" for i in renumbered]
    ), strict=True))  # fmt: skip
    facts = [a.identity.facts() for a in accounts]
    by_kind: dict[str, tuple[list[int], list[str]]] = {}
    for i, held in enumerate(facts):
        for kind, value in held:
            at, values = by_kind.setdefault(kind, ([], []))
            at.append(i)
            values.append(index_value(value))
    keys: list[dict[str, bytes]] = [{} for _ in accounts]
    for kind, (at, values) in by_kind.items():
        for i, index in zip(at, indexer.indexes(kind, values), strict=True):
            keys[i][kind] = index
    return [
        Keyed(a, refs[i], {kind: keys[i][kind] for kind, _ in facts[i]}, new_refs.get(i))
        for i, a in enumerate(accounts)
    ]


def keyed_records(
    indexer: BlindIndexer, furnisher_id: UUID, records: Sequence[Packed]
) -> list[Keyed]:
    """A worker's task: packed base records to their keyed accounts, in record order."""
    accounts = [a for packed in records for a in accounts_of(unpack(packed))]
    return keyed_accounts(indexer, furnisher_id, accounts)
