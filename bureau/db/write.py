"""Writes as values: several tables' rows sent as one statement, each written by its owner.

Why: every table has one module that writes it (docs/architecture.md), yet a report release
writes five tables and is CPU-bound in Python, where each statement costs it as much as a
small query costs PostgreSQL. So an owner does not execute its write: it returns a `Write`
(its SQL with named parameters), and `one_statement` joins writes into one data-modifying
`WITH` statement. Each write is a common table expression under its own name, so a later one
can read an earlier one's `RETURNING` columns (`(SELECT entry_id FROM access_log)`); foreign
keys between the rows are checked at the end of the statement, so they hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

_PARAM = re.compile(r"%\((\w+)\)s")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


@dataclass(frozen=True)
class Write:
    """One INSERT/UPDATE/DELETE with `%(name)s` parameters, and the column it hands back.

    `name` is the write's name inside the joint statement (unique in it); `returns`, if set,
    is a column of the write's `RETURNING` clause that the statement answers with, or an
    aggregate over its rows (`count(*)`: how many rows the write changed).
    """

    name: str
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    returns: str | None = None


def one_statement(writes: Sequence[Write], *reads: str) -> tuple[str, dict[str, Any]]:
    """The writes as one statement, answering one row: each write's `returns` column under
    the write's name, then `reads` (SQL expressions over the writes) as given."""
    names = [w.name for w in writes]
    if len(set(names)) != len(names):
        raise ValueError(f"two writes share a name: {names}")
    parts, params, answers = [], {}, []
    for w in writes:
        parts.append(f"{w.name} AS ({_renamed(w.name, w.sql)})")
        params.update({f"{w.name}__{k}": v for k, v in w.params.items()})
        if w.returns:
            answers.append(f"(SELECT {w.returns} FROM {w.name}) AS {w.name}")
    answers.extend(reads)
    return f"WITH {', '.join(parts)} SELECT {', '.join(answers) or 'NULL AS nothing'}", params


@lru_cache(maxsize=1024)
def _renamed(name: str, sql: str) -> str:
    """`sql` with each `%(p)s` renamed `%(name__p)s`; cached, because a report release joins
    the same dozen writes every time and the substitution was a tenth of its statement's cost."""
    return _PARAM.sub(f"%({name}__\\1)s", sql)


def execute(conn: psycopg.Connection[Any], writes: Sequence[Write]) -> dict[str, Any]:
    """The writes in the caller's transaction; their `returns` values by write name."""
    if not writes:
        return {}
    sql, params = one_statement(writes)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        row = cur.fetchone() or {}
    return {w.name: row[w.name] for w in writes if w.returns}


async def execute_async(
    conn: psycopg.AsyncConnection[Any], writes: Sequence[Write]
) -> dict[str, Any]:
    """`execute` on an async connection (report releases run on the event loop).

    Sent with `$n` placeholders (psycopg's raw cursor), numbered once per shape of statement:
    psycopg parses a `%(name)s` query on every execution once it has more than 50 parameters
    (or 4 kB), and a keyed pull's paper trail has 55 (docs/performance.md, stop 30)."""
    if not writes:
        return {}
    sql, order = _numbered(tuple((w.name, w.sql, w.returns) for w in writes))
    params = [writes[i].params[name] for i, name in order]
    async with psycopg.AsyncRawCursor(conn, row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        row = await cur.fetchone() or {}
    return {w.name: row[w.name] for w in writes if w.returns}


@lru_cache(maxsize=256)
def _numbered(
    shape: tuple[tuple[str, str, str | None], ...],
) -> tuple[str, tuple[tuple[int, str], ...]]:
    """`one_statement` of writes of this shape (name, SQL, returns) with `$n` placeholders,
    and for each n the write (by position) and the parameter it takes."""
    order: list[tuple[int, str]] = []
    numbers: dict[tuple[int, str], int] = {}

    def numbering(i: int) -> Callable[[re.Match[str]], str]:
        def number(found: re.Match[str]) -> str:
            if found[0] == "%%":
                return "%"
            key = (i, found[1])
            if key not in numbers:
                order.append(key)
                numbers[key] = len(order)
            return f"${numbers[key]}"

        return number

    parts, answers = [], []
    for i, (name, text, returns) in enumerate(shape):
        parts.append(f"{name} AS ({_PLACEHOLDER.sub(numbering(i), text)})")
        if returns:
            answers.append(f"(SELECT {returns} FROM {name}) AS {name}")
    names = [name for name, _, _ in shape]
    if len(set(names)) != len(names):
        raise ValueError(f"two writes share a name: {names}")
    statement = f"WITH {', '.join(parts)} SELECT {', '.join(answers) or 'NULL AS nothing'}"
    return statement, tuple(order)


def assignments(columns: Iterable[str]) -> sql.Composed:
    """`a = %(a)s, b = %(b)s` for an UPDATE's SET list over named parameters; the table's
    name stays a literal in its owner's SQL (so the one-writer test can read it)."""
    return sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns
    )
