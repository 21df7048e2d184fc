"""Domain exceptions. Each carries its HTTP status and problem type as data.

Services raise these; the app turns every one into RFC 9457 problem+json in a single handler
(`bureau.api.problems`), so the mapping from rule to response lives in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a caller can act on. `type` is a stable slug used in problem URIs."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidInput(DomainError):
    status = 422
    type = "invalid-input"
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    type = "not-found"
    title = "Not found"


class Unauthenticated(DomainError):
    status = 401
    type = "unauthenticated"
    title = "Missing, unknown or revoked credential"


class Forbidden(DomainError):
    status = 403
    type = "forbidden"
    title = "Credential lacks the required scope"


class WrongCredential(Forbidden):
    """A valid-looking credential of the other kind (an org key on a subject's route, or back):
    refused naming the kind the operation needs, not as if it were unknown."""

    type = "wrong-credential"
    title = "This operation needs another kind of credential"


class Conflict(DomainError):
    status = 409
    type = "conflict"
    title = "Conflicts with the current state"


class Inadmissible(DomainError):
    """Data outside the regime's admissible financial categories: refused, never stored."""

    status = 422
    type = "inadmissible-data"
    title = "Data category not admissible in a financial-only credit file"
