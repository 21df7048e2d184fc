"""Assemble a subject's CreditFile from the database, decrypting identity in memory only.

One function used by every path that reads a file (the subject's own disclosure now; report
pulls and disputes later), so what a subject sees and what a lender receives come from the
same code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from bureau.business_days import business_date, latest_due_deleted_by
from bureau.db.batch import Batch
from bureau.errors import NotFound
from bureau.file import repo
from bureau.model import (
    Bankruptcy,
    CreditFile,
    FraudAlert,
    Identity,
    Inquiry,
    Statement,
    Tradeline,
)
from bureau.policy.regime import live_rules
from bureau.subjects.identities import parse_address
from bureau.vault import SubjectCipher, Vault

_IDENTITY_FIELDS = {
    "name": "names",
    "national_id": "national_ids",
    "dob": "dates_of_birth",
    "address": "addresses",
    "phone": "phones",
}
_ACCOUNT_NUMBER = list(Tradeline.__dataclass_fields__).index("account_number")


def _identity(identities: list[tuple[str, bytes, bool]], cipher: SubjectCipher) -> Identity:
    found: dict[str, list[Any]] = {field: [] for field in _IDENTITY_FIELDS.values()}
    superseded: list[tuple[str, str]] = []
    for kind, blob, current in identities:
        text = cipher.decrypt(kind, blob)
        if kind == "address":  # stored as its fields; the file shows it as written
            text = parse_address(text).text()
        if not current:
            superseded.append((kind, text))
            continue
        found[_IDENTITY_FIELDS[kind]].append(date.fromisoformat(text) if kind == "dob" else text)
    return Identity(**found, superseded=superseded)


def _tradeline(row: tuple[Any, ...], cipher: SubjectCipher) -> Tradeline:
    """A `repo.TRADELINES_SQL` row (the model's fields in order), its account number decrypted."""
    values = list(row)
    values[_ACCOUNT_NUMBER] = cipher.decrypt("account", bytes(row[_ACCOUNT_NUMBER]))
    return Tradeline(*values)


def assemble(vault: Vault, subject_id: UUID, at: datetime) -> Batch[CreditFile]:
    """Everything held about the subject at `at` (obsolescence is applied by the caller).

    All rows are read in one batch (`repo.file_rows`), then decrypted here, in memory only.
    Run it with `bureau.db.batch.run` (sync) or `run_async`. A report pull reads its file
    with `assemble_sealed` instead, beside its grant's facts.
    """
    since, due_by = inquiries_since(at), unverified_due_by(at)
    return repo.file_rows(subject_id, at, since, due_by).then(
        lambda rows: credit_file(rows, vault, subject_id, at)
    )


Sealed = Callable[[SubjectCipher, repo.Known], CreditFile]
"""A file read but not yet decrypted: opened with its subject's cipher and what the release
read beside it."""


def assemble_sealed(who: repo.SubjectOf, at: datetime) -> Batch[Sealed]:
    """A release's file reads (`repo.release_rows`), sent before its decision, in the round
    trip of its facts: the batch's answer decrypts nothing and needs no key; the file is
    decrypted and built only when the answer is called with the subject's cipher, which a
    release unwraps once `decide` has allowed it (and uses again for the copy it keeps), so a
    refused pull unwraps no key and decrypts none of what it read."""
    since, due_by = inquiries_since(at), unverified_due_by(at)
    return repo.release_rows(who, at, since, due_by).then(
        lambda unopened: lambda cipher, known: opened_file(unopened(known), cipher, at)
    )


def unverified_due_by(at: datetime) -> date:
    """Disputes due on or before this day whose item is still unverified are past their
    deletion day at `at` (the bureau's business date): their items are left out of the file."""
    return latest_due_deleted_by(business_date(at), live_rules().dispute)


def inquiries_since(at: datetime) -> datetime:
    """How far back a file's inquiries are read: the longest lookback any reader needs."""
    lookback = max(
        live_rules().access.inquiry_lookback_days,
        live_rules().access.inquiry_lookback_days_employment,
    )
    return at - timedelta(days=lookback)


def credit_file(rows: repo.FileRows, vault: Vault, subject_id: UUID, at: datetime) -> CreditFile:
    """The file from its rows, decrypted in memory only (no I/O: shared by both paths)."""
    if not rows.exists:
        raise NotFound(f"no credit file for subject {subject_id}", field="subject_id")
    return opened_file(rows, vault.cipher_from(subject_id, rows.data_keys), at)


def opened_file(rows: repo.FileRows, cipher: SubjectCipher, at: datetime) -> CreditFile:
    """The file from its rows, decrypted with its subject's cipher (no I/O)."""
    subject_id = cipher.subject_id
    alerts = [
        FraudAlert(
            alert_id=a.alert_id,
            kind=a.kind,
            placed_at=a.placed_at,
            expires_at=a.expires_at,
            contact=cipher.decrypt("contact", bytes(a.contact_ct)) if a.contact_ct else None,
        )
        for a in rows.fraud_alerts
    ]
    return CreditFile(
        subject_id=subject_id,
        identity=_identity(rows.identities, cipher),
        tradelines=[_tradeline(r, cipher) for r in rows.tradelines],
        bankruptcies=[
            Bankruptcy(**{k: r[k] for k in Bankruptcy.__dataclass_fields__})
            for r in rows.bankruptcies
        ],
        inquiries=[
            Inquiry(**{k: r[k] for k in Inquiry.__dataclass_fields__}) for r in rows.inquiries
        ],
        fraud_alerts=alerts,
        frozen=rows.frozen,
        as_of=at,
        statements=[statement(s, cipher) for s in rows.statements],
    )


def statement(row: repo.StatementRow, cipher: SubjectCipher) -> Statement:
    """A `repo.STATEMENTS_SQL` row, decrypted (rows from before encryption hold plain text)."""
    text = cipher.decrypt("statement", bytes(row.body_ct)) if row.body_ct else row.body
    assert text is not None, "a statement holds its text or its ciphertext (statements_has_body)"
    return Statement(
        statement_id=row.statement_id,
        item_kind=row.item_kind,
        item_id=row.item_id,
        dispute_id=row.dispute_id,
        text=text,
        created_at=row.created_at,
    )
