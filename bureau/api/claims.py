"""The request's hold on its `Idempotency-Key`, as the transaction openers see it.

Kept apart from the middleware (`bureau.api.idempotency`) so that `bureau.api.deps`, which
every domain's routes import, imports nothing of the report release the middleware replays.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol


class Claim(Protocol):
    def connection(self, pool: Any) -> Any:
        """The sync connection the route's transaction runs on (locked and checked)."""

    async def async_connection(self, pool: Any) -> Any:
        """The same on the event loop (report pulls)."""


CLAIM: ContextVar[Claim | None] = ContextVar("fairfile_idempotency_claim", default=None)


def current_claim() -> Claim | None:
    return CLAIM.get()
