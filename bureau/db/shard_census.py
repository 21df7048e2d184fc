"""How many statements a connection ran, and which of them Citus ran on more than one shard.

For the router-query tests and `bench/cluster.py`: a statement that names its subject is a
router query (one shard); one that does not visits every shard that may hold its rows. Citus
says so itself with `citus.multi_task_query_log_level`: at `notice` it sends a notice for each
multi-task query, which the census counts against the statements the connection executed.
What Citus does not report as a multi-task query is not counted as one: an INSERT … SELECT
that the coordinator pulls and re-routes, and COPY, each of which writes only the shards its
rows belong to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg

NOTICE = "multi-task query about to be executed"


@dataclass
class Census:
    """Statements executed and multi-shard statements seen, on the connections attached."""

    statements: int = 0
    ran: Counter[str] = field(default_factory=Counter)
    """How often each statement ran, by its text (whitespace folded, the first 160 characters)."""
    multi_shard: list[str] = field(default_factory=list)
    """The text of each statement Citus ran as a multi-task query, once per run."""
    _current: str = ""

    @property
    def router_share(self) -> float:
        """The share of statements that ran on one shard (1.0 for no statement)."""
        if not self.statements:
            return 1.0
        return 1 - len(self.multi_shard) / self.statements

    def _ran(self, query: Any, times: int = 1) -> None:
        text = query if isinstance(query, str) else bytes(query).decode(errors="replace")
        self._current = " ".join(text.split())[:160]
        self.statements += times
        self.ran[self._current] += times

    def _notice(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        if diagnostic.message_primary == NOTICE:
            self.multi_shard.append(self._current)

    def attach(self, conn: psycopg.Connection[Any]) -> None:
        """Count this connection's statements from now on (it must be idle)."""
        conn.execute("SET citus.multi_task_query_log_level = notice")
        conn.add_notice_handler(self._notice)
        conn.cursor_factory = _counting(self)

    async def attach_async(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """`attach` for an async connection (report pulls)."""
        await conn.execute("SET citus.multi_task_query_log_level = notice")
        conn.add_notice_handler(self._notice)
        conn.cursor_factory = _counting_async(self)


def _text(query: Any, context: Any) -> Any:
    return query.as_string(context) if hasattr(query, "as_string") else query


def _counting(census: Census) -> type[psycopg.Cursor[Any]]:
    class Counting(psycopg.Cursor[Any]):
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            census._ran(_text(query, self))
            return super().execute(query, *args, **kwargs)

        def executemany(self, query: Any, params_seq: Iterable[Any], **kwargs: Any) -> None:
            params = list(params_seq)
            census._ran(_text(query, self), len(params))
            super().executemany(query, params, **kwargs)

        def copy(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
            census._ran(_text(statement, self))
            return super().copy(statement, *args, **kwargs)

    return Counting


def _counting_async(census: Census) -> type[psycopg.AsyncCursor[Any]]:
    class Counting(psycopg.AsyncCursor[Any]):
        async def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            census._ran(_text(query, self))
            return await super().execute(query, *args, **kwargs)

        async def executemany(self, query: Any, params_seq: Iterable[Any], **kwargs: Any) -> None:
            params = list(params_seq)
            census._ran(_text(query, self), len(params))
            await super().executemany(query, params, **kwargs)

    return Counting
