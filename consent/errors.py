"""Consent's domain errors: every refusal of the access decision, named by its reason.

The access decision returns a reason slug; `denial_for` turns a denial into the exception whose
problem+json `type` is that slug, so a requester can branch on `type` without parsing prose. The
app maps them with every other DomainError, in one place.
"""

from __future__ import annotations

from bureau.errors import Conflict, DomainError, InvalidInput, NotFound
from consent.decision import Decision


class AccessDenied(DomainError):
    """A release refused by the access decision."""

    status = 403
    type = "access-denied"
    title = "The subject's consent does not allow this release"


class NoGrant(AccessDenied):
    type = "no-grant"
    title = "No consent grant from the subject for this requester"


class GrantRevoked(AccessDenied):
    type = "grant-revoked"
    title = "The subject revoked this grant"


class GrantExpired(AccessDenied):
    type = "grant-expired"
    title = "The grant has expired"


class GrantNotYetValid(AccessDenied):
    type = "grant-not-yet-valid"
    title = "The grant's validity window has not started"


class PurposeMismatch(AccessDenied):
    type = "purpose-mismatch"
    title = "The grant is for another purpose"


class EmploymentNeedsOwnGrant(AccessDenied):
    type = "employment-needs-own-grant"
    title = "Employment screening needs its own grant (FCRA §604(b))"


class ScopeInsufficient(AccessDenied):
    type = "scope-insufficient"
    title = "The grant covers the score and key factors only"


class UsesExhausted(AccessDenied):
    type = "uses-exhausted"
    title = "The grant's uses are spent"


class FileFrozen(AccessDenied):
    type = "file-frozen"
    title = "The subject's file is frozen (FCRA §605A(i))"


class IdentityNotVerified(AccessDenied):
    type = "identity-not-verified"
    title = "A fraud alert requires identity verification first (FCRA §605A(h))"


class PurposeUnknown(AccessDenied):
    type = "purpose-unknown"
    title = "Not a permissible purpose"
    status = 422


class ScopeUnknown(AccessDenied):
    type = "scope-unknown"
    title = "Not a scope"
    status = 422


class PurposeNotGrantable(AccessDenied):
    type = "purpose-not-grantable"
    title = "This purpose is never given under a grant"


class CourtOrderMissing(AccessDenied):
    type = "court-order-missing"
    title = "Compelled access needs the court order's reference"
    status = 422


class FileClosedDenied(AccessDenied):
    """The subject closed their file: released to no one (`bureau.subjects.erasure`)."""

    type = "file-closed"
    title = "The subject's file is closed"


class FileShreddedDenied(AccessDenied):
    """The file was erased (its keys destroyed): gone for good, hence 410."""

    status = 410
    type = "file-shredded"
    title = "The subject's file was erased"


DENIALS: dict[str, type[AccessDenied]] = {
    cls.type: cls
    for cls in (
        NoGrant,
        GrantRevoked,
        GrantExpired,
        GrantNotYetValid,
        PurposeMismatch,
        EmploymentNeedsOwnGrant,
        ScopeInsufficient,
        UsesExhausted,
        FileFrozen,
        IdentityNotVerified,
        PurposeUnknown,
        ScopeUnknown,
        PurposeNotGrantable,
        CourtOrderMissing,
        FileClosedDenied,
        FileShreddedDenied,
    )
}


def denial_for(decision: Decision) -> AccessDenied:
    """The exception for a refused decision, carrying its reason as an extension member."""
    cls = DENIALS.get(decision.reason, AccessDenied)
    return cls(decision.detail, reason=decision.reason)


class GrantNotFound(NotFound):
    type = "grant-not-found"
    title = "No such grant for this subject"


class AlreadyFrozen(Conflict):
    type = "already-frozen"
    title = "The file is already frozen"


class NotFrozen(Conflict):
    type = "not-frozen"
    title = "The file is not frozen"


class InvalidGrant(InvalidInput):
    type = "invalid-grant"
    title = "The grant cannot be made as asked"
