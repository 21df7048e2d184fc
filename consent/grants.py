"""What a subject may grant: the checks a new grant passes before it is stored and signed.

Pure (no SQL, no HTTP). The longest window comes from the live regime
(`access.consent_max_days`, one year under fcra-consent, after the CFPB §1033 rule), so a
regime that allows less needs no code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bureau.policy.regime import Access
from consent.errors import InvalidGrant
from consent.purposes import Scope, grantable, parse_purpose, purposes


@dataclass(frozen=True)
class GrantTerms:
    requester_org_id: UUID
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None
    """None: recurring within the window; otherwise the number of releases allowed."""


def check_terms(
    requester_org_id: UUID,
    purpose: str,
    scope: str,
    valid_from: datetime | None,
    expires_at: datetime | None,
    max_uses: int | None,
    now: datetime,
    rules: Access,
) -> GrantTerms:
    """The grant as it will be stored, or InvalidGrant naming the field and the reason.

    Defaults: starts now; lasts the regime's longest window; a grant with no window given is
    still bounded. A start in the past is moved to now (a grant cannot consent retroactively).
    """
    parsed = parse_purpose(purpose)
    if parsed is None or not purposes()[parsed].grantable:
        raise InvalidGrant(f"purpose must be one of {', '.join(grantable())}", field="purpose")
    if scope not in {s.value for s in Scope}:
        raise InvalidGrant("scope must be 'full' or 'score'", field="scope")
    if max_uses is not None and max_uses < 1:
        raise InvalidGrant("max_uses must be at least 1, or null for recurring", field="max_uses")
    for name, value in (("valid_from", valid_from), ("expires_at", expires_at)):
        if value is not None and value.tzinfo is None:
            raise InvalidGrant("timestamps need a time zone (UTC)", field=name)
    start = now if valid_from is None or valid_from < now else valid_from
    longest = timedelta(days=rules.consent_max_days)
    end = start + longest if expires_at is None else expires_at
    if end <= start:
        raise InvalidGrant("expires_at must be after the grant starts", field="expires_at")
    if end - start > longest:
        raise InvalidGrant(
            f"a grant lasts at most {rules.consent_max_days} days", field="expires_at"
        )
    return GrantTerms(requester_org_id, parsed.value, scope, start, end, max_uses)
