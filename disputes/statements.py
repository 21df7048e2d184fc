"""The subject's statement on a disputed item (FCRA §611(b)): limited in words, shown with it.

Why encrypted: a statement is the subject's own words, and shredding a subject must destroy it
like every other text of theirs; reports decrypt it when they show the item.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg

from bureau.errors import InvalidInput
from bureau.file import assemble
from bureau.file import repo as file_repo
from bureau.policy.regime import live_rules
from bureau.vault import Vault
from disputes import correction, workflow
from disputes.errors import StatementTooLong
from disputes.items import word_count
from disputes.repo import DisputeRow
from disputes.service import own_dispute
from disputes.transitions import advance


def add_statement(
    conn: psycopg.Connection[Any],
    vault: Vault,
    subject_id: UUID,
    dispute_id: UUID,
    text: str,
    now: datetime,
) -> DisputeRow:
    """The subject's statement on the disputed item (§611(b)), shown with it from now on."""
    limit = live_rules().dispute.statement_max_words
    words = word_count(text)
    if words == 0:
        raise InvalidInput("the statement is empty", field="text")
    if words > limit:
        raise StatementTooLong(f"{words} words; a statement has at most {limit}", field="text",
                               words=words, max_words=limit)  # fmt: skip
    row = own_dispute(conn, subject_id, dispute_id, lock=True)
    row = advance(conn, row, workflow.StatementAdded(now), "subject", now, {"words": words})
    cipher = vault.cipher_for(conn, subject_id)
    file_repo.replace_statement(conn, subject_id, uuid4(), row.item_kind, row.item_id, dispute_id,
                           cipher.encrypt("statement", text), cipher.key_version, now)  # fmt: skip
    correction.settle_compliance(conn, row)
    return row


def statements_of(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID
) -> list[dict[str, Any]]:
    """The subject's current statements, decrypted (for their list of disputes)."""
    rows = file_repo.statements(conn, subject_id)
    if not rows:
        return []
    cipher = vault.cipher_for(conn, subject_id)
    return [asdict(assemble.statement(row, cipher)) for row in rows]
