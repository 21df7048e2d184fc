"""The purposes a grant may name: the FCRA §604 list, whose rules live in the regime file.

Why a table and not scattered `if`s: whether a pull is a hard or a soft inquiry, whether it
extends new credit (so a fraud alert requires identity verification, §605A(h)), whether a
security freeze lets it through (§605A(i)) and whether only a grant for it will do (§604(b))
are properties of the purpose. They are law, so they are data: the live regime's `[purposes]`
table (bureau/policy/regimes/fcra-consent.toml, each with its section). Every path that releases
data reads them through `purposes()`, so they cannot disagree. The codes themselves stay here:
they are the API's vocabulary, and a regime must give rules for each of them.

Freeze exemptions: the law (§605A(i)(4)) lets a freeze pass for, among others, an existing
creditor's account review and collection, insurance underwriting, employment and tenant
screening. fairfile's regime is stricter for the last three: a subject who froze their file
chose that no new relationship sees it, so those need a thaw (instant, per requester, free).
"""

from __future__ import annotations

from enum import StrEnum

from bureau.policy.regime import LiveRules, PurposeRule, Regime, RegimeError, live_regime


class Purpose(StrEnum):
    CREDIT_TRANSACTION = "credit-transaction"
    ACCOUNT_REVIEW = "account-review"
    COLLECTION = "collection"
    INSURANCE_UNDERWRITING = "insurance-underwriting"
    TENANT_SCREENING = "tenant-screening"
    EMPLOYMENT = "employment"
    COURT_ORDER = "court-order"


def purpose_table(rules: LiveRules, source: str) -> dict[Purpose, PurposeRule]:
    """The regime's purpose table keyed by code; a code it misses or one it invents is refused."""
    for name in rules.purposes:
        if parse_purpose(name) is None:
            known = ", ".join(p.value for p in Purpose)
            raise RegimeError(source, f"purposes.{name}", f"not a purpose code ({known})")
    for purpose in Purpose:
        if purpose.value not in rules.purposes:
            raise RegimeError(source, f"purposes.{purpose.value}", "missing")
    return {purpose: rules.purposes[purpose.value] for purpose in Purpose}


_checked: tuple[Regime, dict[Purpose, PurposeRule]] | None = None


def purposes() -> dict[Purpose, PurposeRule]:
    """The live regime's rules for every purpose, checked once per loaded regime (a pull reads
    them twice; `reload_live_regime` loads a new regime object, which is checked afresh)."""
    global _checked
    regime = live_regime()
    if _checked is None or _checked[0] is not regime:
        assert regime.live is not None
        _checked = (regime, purpose_table(regime.live, regime.source))
    return _checked[1]


def grantable() -> tuple[str, ...]:
    """The purposes a subject can grant, in the API's order."""
    return tuple(p.value for p, rule in purposes().items() if rule.grantable)


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
