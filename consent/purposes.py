"""The purposes a grant may name: the FCRA §604 list, as a code table that carries its meaning.

Why a table and not scattered `if`s: whether a pull is a hard or a soft inquiry, whether it
extends new credit (so a fraud alert requires identity verification, §605A(h)), and whether a
security freeze lets it through (§605A(i)) are properties of the purpose. Every path that
releases data reads them from here, so they cannot disagree.

Freeze exemptions: the law (§605A(i)(4)) lets a freeze pass for, among others, an existing
creditor's account review and collection, insurance underwriting, employment and tenant
screening. fairfile is stricter for the last three: a subject who froze their file chose that no
new relationship sees it, so those need a thaw (instant, per requester, free). The existing
creditor keeps account review and collection — refusing it would not protect the subject from
new-account fraud, which is what a freeze is for — and still needs the subject's grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Purpose(StrEnum):
    CREDIT_TRANSACTION = "credit-transaction"
    ACCOUNT_REVIEW = "account-review"
    COLLECTION = "collection"
    INSURANCE_UNDERWRITING = "insurance-underwriting"
    TENANT_SCREENING = "tenant-screening"
    EMPLOYMENT = "employment"
    COURT_ORDER = "court-order"


@dataclass(frozen=True)
class PurposeRules:
    purpose: Purpose
    citation: str
    inquiry: str
    """'hard' when the pull is for new credit (other lenders see it), else 'soft'."""
    extends_new_credit: bool
    """A fraud alert obliges the user to verify identity before extending new credit (§605A(h))."""
    freeze_exempt_for_existing_account: bool
    """Passes a freeze when the requester already holds an account of the subject (§605A(i))."""
    grantable: bool
    """Whether a subject can grant it; a court order compels access without a grant."""


PURPOSES: dict[Purpose, PurposeRules] = {
    rules.purpose: rules
    for rules in (
        PurposeRules(Purpose.CREDIT_TRANSACTION, "§604(a)(3)(A)", "hard", True, False, True),
        PurposeRules(Purpose.ACCOUNT_REVIEW, "§604(a)(3)(A)", "soft", False, True, True),
        PurposeRules(Purpose.COLLECTION, "§604(a)(3)(A)", "soft", False, True, True),
        PurposeRules(Purpose.INSURANCE_UNDERWRITING, "§604(a)(3)(C)", "soft", False, False, True),
        PurposeRules(Purpose.TENANT_SCREENING, "§604(a)(3)(F)(i)", "soft", False, False, True),
        PurposeRules(Purpose.EMPLOYMENT, "§604(a)(3)(B), §604(b)", "soft", False, False, True),
        PurposeRules(Purpose.COURT_ORDER, "§604(a)(1)", "soft", False, False, False),
    )
}

GRANTABLE = tuple(p.value for p, rules in PURPOSES.items() if rules.grantable)


def parse_purpose(value: str) -> Purpose | None:
    try:
        return Purpose(value)
    except ValueError:
        return None


class Scope(StrEnum):
    FULL = "full"
    SCORE = "score"
    """Score and key factors only."""


def scope_covers(granted: Scope, requested: Scope) -> bool:
    """A full-report grant covers a score request; a score-only grant never yields the file."""
    return granted == Scope.FULL or requested == Scope.SCORE
