"""The account upsert (bureau/furnishing/repo.py `upsert_tradeline`): an account sent again with
the same values leaves its stored row alone, its `updated_at` included; a changed value is
written with the new transaction's time. Each step commits, so a rewrite would show as a new
row version (xmin) and a later `updated_at`; the same on one node and on the Citus cluster."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import tuple_row

from bureau.furnishing import repo
from bureau.furnishing.metro2.synthetic import person
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import tradeline_values
from bureau.vault import Vault
from tests.furnishing.conftest import add_furnisher, enrolled

AS_OF = date(2026, 11, 1)


def _account(committed_url: str, vault: Vault) -> tuple[UUID, UUID, UUID, dict[str, Any]]:
    """A new subject with one account, committed: (subject, tradeline, furnisher, values)."""
    values = tradeline_values(AccountSpec("test", "card", opened=30, limit=4000, balance=900),
                              AS_OF)  # fmt: skip
    with psycopg.connect(committed_url) as conn:
        furnisher = add_furnisher(conn, f"UPSERT{secrets.token_hex(4).upper()}")
        subject = enrolled(conn, vault, person(random.Random(secrets.randbits(32))))
        tradeline = uuid4()
        _upsert(conn, vault, subject, tradeline, furnisher, values)
    return subject, tradeline, furnisher, values


def _upsert(conn: psycopg.Connection[Any], vault: Vault, subject: UUID, tradeline: UUID,
            furnisher: UUID, values: dict[str, Any]) -> None:  # fmt: skip
    cipher = vault.cipher_for(conn, subject)
    repo.upsert_tradeline(conn, subject, tradeline, furnisher,
                          vault.blind_index("account", f"{furnisher}:{tradeline}"),
                          cipher.encrypt("account", "4111000011110042"), cipher.key_version,
                          values)  # fmt: skip


def _stored(committed_url: str, subject: UUID, tradeline: UUID) -> tuple[str, datetime, int]:
    """The row's version (xmin), updated_at and balance."""
    with psycopg.connect(committed_url) as conn, conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            "SELECT xmin::text, updated_at, current_balance FROM tradelines "
            "WHERE subject_id = %s AND tradeline_id = %s",
            (subject, tradeline),
        ).fetchone()
    assert row is not None
    return str(row[0]), row[1], int(row[2])


def test_an_account_sent_again_unchanged_leaves_its_row_and_updated_at_alone(
    committed_url: str, vault: Vault
) -> None:
    subject, tradeline, furnisher, values = _account(committed_url, vault)
    before = _stored(committed_url, subject, tradeline)
    with psycopg.connect(committed_url) as conn:
        _upsert(conn, vault, subject, tradeline, furnisher, dict(values))
    assert _stored(committed_url, subject, tradeline) == before


def test_an_account_sent_again_with_a_new_balance_is_written_with_the_new_time(
    committed_url: str, vault: Vault
) -> None:
    subject, tradeline, furnisher, values = _account(committed_url, vault)
    version, updated_at, _ = _stored(committed_url, subject, tradeline)
    with psycopg.connect(committed_url) as conn:
        _upsert(conn, vault, subject, tradeline, furnisher, {**values, "current_balance": 1234})
        started = conn.execute("SELECT now()").fetchone()
    assert started is not None
    new_version, new_updated_at, balance = _stored(committed_url, subject, tradeline)
    assert balance == 1234 and new_version != version
    assert new_updated_at == started[0] and new_updated_at > updated_at
