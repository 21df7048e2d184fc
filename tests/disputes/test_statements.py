"""The statement right (§611(b)): the subject's words, limited in length, shown with the item."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from bureau.vault import Vault
from disputes import service, statements
from disputes.errors import (
    StatementTooLong,
)
from disputes.reinvestigation import answer
from disputes.workflow import AnswerCode
from tests.disputes.conftest import T0, World, account_dispute, compliance_of


def test_a_statement_over_the_word_limit_is_refused_and_nothing_is_written(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    with pytest.raises(StatementTooLong) as e:
        statements.add_statement(conn, vault, world.subject_id, row.dispute_id, "word " * 101, T0)
    assert e.value.status == 422 and e.value.field == "text"
    assert e.value.extra == {"words": 101, "max_words": 100}
    assert statements.statements_of(conn, vault, world.subject_id) == []
    statements.add_statement(conn, vault, world.subject_id, row.dispute_id, "word " * 100, T0)


def test_a_statement_after_a_verified_dispute_shows_the_subject_disagrees(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, None, T0)
    assert compliance_of(conn, world) == "XH"
    text = "I paid in August; the bank's own statement shows it."
    statements.add_statement(conn, vault, world.subject_id, row.dispute_id, text, T0)
    assert compliance_of(conn, world) == "XC"
    [shown] = statements.statements_of(conn, vault, world.subject_id)
    assert shown["text"] == text and shown["item_id"] == world.tradeline_id
    stored = conn.execute("SELECT body, body_ct FROM statements WHERE subject_id = %s",
                          (world.subject_id,)).fetchone()  # fmt: skip
    assert stored is not None and stored["body"] is None
    assert b"August" not in bytes(stored["body_ct"])


def test_a_new_statement_replaces_the_previous_one(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    statements.add_statement(conn, vault, world.subject_id, row.dispute_id, "First version.", T0)
    statements.add_statement(conn, vault, world.subject_id, row.dispute_id, "Second version.", T0)
    assert [s["text"] for s in statements.statements_of(conn, vault, world.subject_id)] == [
        "Second version."
    ]
