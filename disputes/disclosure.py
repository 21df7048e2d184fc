"""Consumer statements where the law wants them: in the subject's disclosure, and in every
report that carries the disputed item (FCRA §611(c)).

`bureau.app` plugs these into `GET /v1/me/file` (`app.state.disclosure_sections`) and into
released reports (`app.state.report_sections`), since neither bureau nor consent may import
disputes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.model import CreditFile
from bureau.vault import Vault
from disputes.statements import statements_of, statements_of_async


def _plain(statement: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready (reports are signed over canonical JSON, which takes no UUID or datetime)."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else
        str(value) if isinstance(value, UUID) else value
        for key, value in statement.items()
    }  # fmt: skip


def statements_section(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, now: datetime
) -> dict[str, Any]:
    return {"statements": [_plain(s) for s in statements_of(conn, vault, subject_id)]}


def report_statements(
    conn: psycopg.Connection[Any], vault: Vault, file: CreditFile
) -> dict[str, Any]:
    """The statements about items this report carries (none about items it left out)."""
    if not file.statements:
        # The file was read in this transaction from the same rows: no statement, no query.
        return {"statements": []}
    return _carried(file, statements_of(conn, vault, file.subject_id))


async def report_statements_async(
    conn: psycopg.AsyncConnection[Any], vault: Vault, file: CreditFile
) -> dict[str, Any]:
    """`report_statements` on an async connection (report pulls on the event loop)."""
    if not file.statements:
        return {"statements": []}
    return _carried(file, await statements_of_async(conn, vault, file.subject_id))


def _carried(file: CreditFile, statements: list[dict[str, Any]]) -> dict[str, Any]:
    carried = {t.tradeline_id for t in file.tradelines} | {
        b.bankruptcy_id for b in file.bankruptcies
    }
    return {"statements": [_plain(s) for s in statements if s["item_id"] in carried]}
