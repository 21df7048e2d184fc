"""The access decision, rule by rule: who may read a file, for what, and when — and why not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from consent.decision import (
    AccessRequest,
    Alert,
    Decision,
    Freeze,
    Grant,
    Requester,
    RequesterKind,
    Thaw,
    decide,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SUBJECT = UUID("00000000-0000-0000-0000-00000000000a")
LENDER = UUID("00000000-0000-0000-0000-0000000000b1")
OTHER = UUID("00000000-0000-0000-0000-0000000000b2")


def grant(**changes: object) -> Grant:
    base = Grant(
        grant_id=uuid4(),
        subject_id=SUBJECT,
        requester_org_id=LENDER,
        purpose="credit-transaction",
        scope="full",
        valid_from=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=30),
        max_uses=1,
        uses=0,
        revoked_at=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def pull(
    purpose: str = "credit-transaction",
    *,
    g: Grant | None = None,
    org: UUID = LENDER,
    scope: str = "full",
    freeze: Freeze | None = None,
    alerts: tuple[Alert, ...] = (),
    verified: bool = False,
    holds_account: bool = False,
    at: datetime = NOW,
) -> Decision:
    return decide(
        AccessRequest(
            requester=Requester(RequesterKind.USER, org_id=org, holds_account=holds_account),
            subject_id=SUBJECT,
            purpose=purpose,
            scope=scope,
            at=at,
            grant=g,
            freeze=freeze,
            alerts=alerts,
            identity_verified=verified,
        )
    )


FROZEN = Freeze(placed_at=NOW - timedelta(days=3))


def alert(kind: str = "initial", days: int = 365) -> Alert:
    return Alert(
        uuid4(), kind, NOW - timedelta(days=1), NOW - timedelta(days=1) + timedelta(days=days)
    )


def test_a_valid_grant_for_the_purpose_allows_a_hard_inquiry_that_uses_the_grant() -> None:
    decision = pull(g=grant())
    assert decision.allowed and decision.reason == "granted"
    assert decision.inquiry_kind == "hard" and decision.consumes_use


def test_a_pull_without_a_grant_is_refused() -> None:
    assert pull(g=None).reason == "no-grant"


def test_a_grant_to_another_requester_counts_as_no_grant() -> None:
    assert pull(g=grant(requester_org_id=OTHER)).reason == "no-grant"


def test_a_grant_about_another_subject_counts_as_no_grant() -> None:
    assert pull(g=grant(subject_id=uuid4())).reason == "no-grant"


def test_a_grant_for_another_purpose_is_refused() -> None:
    decision = pull("insurance-underwriting", g=grant())
    assert not decision.allowed and decision.reason == "purpose-mismatch"


def test_employment_needs_its_own_grant() -> None:
    assert pull("employment", g=grant()).reason == "employment-needs-own-grant"
    allowed = pull("employment", g=grant(purpose="employment"))
    assert allowed.allowed and allowed.inquiry_kind == "soft"


def test_an_employment_grant_does_not_open_the_file_for_credit() -> None:
    assert pull("credit-transaction", g=grant(purpose="employment")).reason == "purpose-mismatch"


def test_a_revoked_grant_never_releases_again() -> None:
    assert pull(g=grant(revoked_at=NOW - timedelta(seconds=1))).reason == "grant-revoked"
    assert pull(g=grant(revoked_at=NOW)).reason == "grant-revoked"


def test_revocation_is_checked_before_expiry() -> None:
    g = grant(revoked_at=NOW - timedelta(days=2), expires_at=NOW - timedelta(hours=1))
    assert pull(g=g).reason == "grant-revoked"


def test_an_expired_grant_is_refused_from_the_instant_it_expires() -> None:
    assert pull(g=grant(expires_at=NOW)).reason == "grant-expired"
    assert pull(g=grant(expires_at=NOW + timedelta(microseconds=1))).allowed


def test_a_grant_is_not_valid_before_its_window_opens() -> None:
    assert pull(g=grant(valid_from=NOW + timedelta(hours=1))).reason == "grant-not-yet-valid"


def test_a_score_only_grant_does_not_release_the_full_report() -> None:
    assert pull(g=grant(scope="score")).reason == "scope-insufficient"
    assert pull(g=grant(scope="score"), scope="score").allowed
    assert pull(g=grant(scope="full"), scope="score").allowed


def test_a_single_use_grant_is_spent_after_one_release() -> None:
    assert pull(g=grant(max_uses=1, uses=1)).reason == "uses-exhausted"
    assert pull(g=grant(max_uses=3, uses=2)).allowed


def test_a_recurring_grant_has_no_use_limit_within_its_window() -> None:
    assert pull(g=grant(max_uses=None, uses=500)).allowed


def test_a_frozen_file_is_released_to_no_one_for_new_credit_even_under_a_grant() -> None:
    decision = pull(g=grant(), freeze=FROZEN)
    assert not decision.allowed and decision.reason == "file-frozen"


def test_a_lifted_freeze_no_longer_blocks() -> None:
    lifted = Freeze(placed_at=NOW - timedelta(days=3), lifted_at=NOW - timedelta(minutes=1))
    assert pull(g=grant(), freeze=lifted).allowed


def test_an_existing_creditor_may_review_or_collect_under_a_grant_despite_a_freeze() -> None:
    for purpose in ("account-review", "collection"):
        decision = pull(purpose, g=grant(purpose=purpose), freeze=FROZEN, holds_account=True)
        assert decision.allowed and decision.reason == "freeze-exempt"
        assert decision.inquiry_kind == "soft"


def test_the_freeze_exemption_needs_an_existing_account_and_still_a_grant() -> None:
    review = grant(purpose="account-review")
    assert pull("account-review", g=review, freeze=FROZEN).reason == "file-frozen"
    assert pull("account-review", g=None, freeze=FROZEN, holds_account=True).reason == "no-grant"


def test_insurance_employment_and_tenant_screening_need_a_thaw_on_a_frozen_file() -> None:
    for purpose in ("insurance-underwriting", "employment", "tenant-screening"):
        decision = pull(purpose, g=grant(purpose=purpose), freeze=FROZEN, holds_account=True)
        assert decision.reason == "file-frozen", purpose


def test_a_thaw_for_one_requester_lets_only_that_requester_through() -> None:
    thaw = Thaw(requester_org_id=LENDER, starts_at=NOW - timedelta(hours=1), ends_at=None)
    frozen = replace(FROZEN, thaws=(thaw,))
    assert pull(g=grant(), freeze=frozen).reason == "thawed"
    other = pull(g=grant(requester_org_id=OTHER), org=OTHER, freeze=frozen)
    assert other.reason == "file-frozen"


def test_a_time_window_thaw_lets_everyone_through_only_inside_the_window() -> None:
    thaw = Thaw(None, starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1))
    frozen = replace(FROZEN, thaws=(thaw,))
    assert pull(g=grant(), freeze=frozen).allowed
    assert pull(g=grant(requester_org_id=OTHER), org=OTHER, freeze=frozen).allowed
    later = NOW + timedelta(hours=1)
    assert pull(g=grant(), freeze=frozen, at=later).reason == "file-frozen"


def test_a_cancelled_thaw_no_longer_lets_anyone_through() -> None:
    thaw = Thaw(LENDER, NOW - timedelta(hours=1), None, cancelled_at=NOW - timedelta(minutes=5))
    assert pull(g=grant(), freeze=replace(FROZEN, thaws=(thaw,))).reason == "file-frozen"


def test_under_a_fraud_alert_new_credit_needs_the_users_identity_confirmation() -> None:
    alerts = (alert(),)
    assert pull(g=grant(), alerts=alerts).reason == "identity-not-verified"
    decision = pull(g=grant(), alerts=alerts, verified=True)
    assert decision.allowed and decision.active_alerts == alerts


def test_a_fraud_alert_does_not_block_account_review() -> None:
    decision = pull("account-review", g=grant(purpose="account-review"), alerts=(alert(),))
    assert decision.allowed and len(decision.active_alerts) == 1


def test_expired_and_removed_alerts_impose_no_duty() -> None:
    expired = Alert(uuid4(), "initial", NOW - timedelta(days=400), NOW - timedelta(days=35))
    removed = replace(alert(), removed_at=NOW - timedelta(hours=1))
    decision = pull(g=grant(), alerts=(expired, removed))
    assert decision.allowed and decision.active_alerts == ()


def test_the_grant_is_checked_before_the_freeze() -> None:
    assert pull(g=grant(expires_at=NOW - timedelta(days=1)), freeze=FROZEN).reason == (
        "grant-expired"
    )


def test_the_subject_can_always_read_their_own_file_even_when_frozen() -> None:
    decision = decide(
        AccessRequest(
            Requester(RequesterKind.SUBJECT),
            SUBJECT,
            "credit-transaction",
            "full",
            NOW,
            freeze=FROZEN,
        )
    )
    assert decision.allowed and decision.reason == "own-access"
    assert not decision.consumes_use and decision.inquiry_kind == "soft"


def test_compelled_access_needs_the_court_orders_reference() -> None:
    def court(ref: str | None) -> Decision:
        return decide(
            AccessRequest(
                Requester(RequesterKind.COURT, court_order_ref=ref),
                SUBJECT,
                "court-order",
                "full",
                NOW,
                freeze=FROZEN,
            )
        )

    assert court("  ").reason == "court-order-missing"
    assert court(None).reason == "court-order-missing"
    assert court("SDNY 26-cv-0042").allowed


def test_no_user_can_pull_under_the_court_order_purpose() -> None:
    assert pull("court-order", g=grant(purpose="court-order")).reason == "purpose-not-grantable"


def test_unknown_purposes_and_scopes_are_refused_by_name() -> None:
    assert pull("curiosity", g=grant()).reason == "purpose-unknown"
    assert pull(g=grant(), scope="everything").reason == "scope-unknown"


@given(
    revoked=st.booleans(),
    expired=st.booleans(),
    exhausted=st.booleans(),
    frozen=st.booleans(),
    other_requester=st.booleans(),
)
def test_a_release_is_allowed_only_when_every_condition_holds(
    revoked: bool, expired: bool, exhausted: bool, frozen: bool, other_requester: bool
) -> None:
    g = grant(
        revoked_at=NOW - timedelta(minutes=1) if revoked else None,
        expires_at=NOW - timedelta(minutes=1) if expired else NOW + timedelta(days=1),
        uses=1 if exhausted else 0,
        requester_org_id=OTHER if other_requester else LENDER,
    )
    decision = pull(g=g, freeze=FROZEN if frozen else None)
    assert decision.allowed == (not any((revoked, expired, exhausted, frozen, other_requester)))
