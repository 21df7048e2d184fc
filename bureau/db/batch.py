"""A read written once, run on a sync or an async connection.

Why: report pulls run on the event loop (psycopg's async API) while the subject's disclosure,
the portal and the CLI run on sync connections, and the same reads (the credit file, an API
key) serve both. A `Batch` is the statements of one read, sent as one pipeline (one round
trip), and the pure step that turns their rows into the answer. `run` and `run_async` are the
only code that touches a connection, so no read has a hand-kept sync and async copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import psycopg
from psycopg.rows import RowFactory, dict_row, tuple_row

T = TypeVar("T")
U = TypeVar("U")

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Read:
    """One statement of a batch; its rows come back made by `row` (e.g. `class_row(T)`), else
    as dicts (`named`) or as tuples."""

    sql: str
    params: Params
    named: bool = True
    row: RowFactory[Any] | None = None
    binary: bool = False
    """Rows in PostgreSQL's binary format: cheaper to load for arrays, uuids and timestamps."""


@dataclass(frozen=True)
class Batch(Generic[T]):
    """Statements sent together, and the pure function of their rows (one list per statement,
    in order) that answers the read. It may raise: a refusal is part of the answer."""

    reads: Sequence[Read]
    answer: Callable[[list[list[Any]]], T]

    def then(self, step: Callable[[T], U]) -> Batch[U]:
        """The same reads, answered by `step` applied to this batch's answer."""
        answer = self.answer
        return Batch(self.reads, lambda rows: step(answer(rows)))


def _factory(read: Read) -> RowFactory[Any]:
    if read.row is not None:
        return read.row
    return dict_row if read.named else tuple_row


def run(conn: psycopg.Connection[Any], batch: Batch[T]) -> T:
    """The batch on a sync connection, in the caller's transaction."""
    if not batch.reads:
        return batch.answer([])
    cursors = [conn.cursor(row_factory=_factory(r), binary=r.binary) for r in batch.reads]
    try:
        if len(cursors) == 1:  # one statement needs no pipeline (its sync is one more message)
            cursors[0].execute(batch.reads[0].sql, batch.reads[0].params)
        else:
            with conn.pipeline():
                for cur, read in zip(cursors, batch.reads, strict=True):
                    cur.execute(read.sql, read.params)
        rows = [cur.fetchall() for cur in cursors]
    finally:
        for cur in cursors:
            cur.close()
    return batch.answer(rows)


async def run_async(conn: psycopg.AsyncConnection[Any], batch: Batch[T]) -> T:
    """The batch on an async connection, in the caller's transaction."""
    if not batch.reads:
        return batch.answer([])
    cursors = [conn.cursor(row_factory=_factory(r), binary=r.binary) for r in batch.reads]
    try:
        if len(cursors) == 1:
            await cursors[0].execute(batch.reads[0].sql, batch.reads[0].params)
        else:
            async with conn.pipeline():
                for cur, read in zip(cursors, batch.reads, strict=True):
                    await cur.execute(read.sql, read.params)
        rows = [await cur.fetchall() for cur in cursors]
    finally:
        for cur in cursors:
            await cur.close()
    return batch.answer(rows)
