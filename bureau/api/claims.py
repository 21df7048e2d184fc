"""The request's hold on its `Idempotency-Key`, as the transaction openers see it.

Kept apart from the middleware (`bureau.api.idempotency`) so that `bureau.api.deps`, which
every domain's routes import, imports nothing of the report release the middleware replays.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar
from uuid import UUID

from bureau.db.batch import Batch
from bureau.db.write import Write
from bureau.vault import SubjectCipher

T = TypeVar("T")

ReportAnswer = Callable[[UUID, SubjectCipher], list[Write]]
"""The writes that store a pull's answer as the report released (its id, and the cipher its
kept copy is sealed with), for the release to join to its own statement."""


class Claim(Protocol):
    def connection(self, pool: Any) -> Any:
        """The sync connection the route's transaction runs on (locked and checked)."""

    async def async_connection(self, pool: Any, first: Batch[T]) -> tuple[Any, T]:
        """The same on the event loop (report pulls), with `first` (the caller's
        authentication) read in the same round trip as the key's lock and lookup."""

    def report_answer(self) -> ReportAnswer | None:
        """On a pull: how its answer is stored in the release's statement; else None."""


CLAIM: ContextVar[Claim | None] = ContextVar("fairfile_idempotency_claim", default=None)


def current_claim() -> Claim | None:
    return CLAIM.get()
