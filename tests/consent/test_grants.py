"""What a subject may grant: a named purpose, a scope, a window of at most the regime's maximum."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bureau.errors import InvalidInput
from bureau.policy.regime import live_rules
from consent.alerts import alert_expires_at
from consent.decision import AccessRequest, Requester, RequesterKind, decide
from consent.errors import DENIALS, InvalidGrant, denial_for
from consent.grants import check_terms

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ACCESS = live_rules().access
ORG = uuid4()


def terms(**kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "requester_org_id": ORG,
        "purpose": "credit-transaction",
        "scope": "full",
        "valid_from": None,
        "expires_at": None,
        "max_uses": 1,
        "now": NOW,
        "rules": ACCESS,
    }
    args.update(kw)
    return check_terms(**args)  # type: ignore[arg-type]


def test_a_grant_without_a_window_starts_now_and_lasts_the_regimes_maximum() -> None:
    t = terms()
    assert t.valid_from == NOW and t.expires_at == NOW + timedelta(days=ACCESS.consent_max_days)


def test_a_grant_cannot_last_longer_than_one_year() -> None:
    assert ACCESS.consent_max_days == 365
    with pytest.raises(InvalidGrant) as caught:
        terms(expires_at=NOW + timedelta(days=365, seconds=1))
    assert caught.value.field == "expires_at"
    terms(expires_at=NOW + timedelta(days=365))


def test_a_shorter_regime_maximum_applies_without_code_changes() -> None:
    with pytest.raises(InvalidGrant):
        terms(expires_at=NOW + timedelta(days=31), rules=replace(ACCESS, consent_max_days=30))


def test_a_grant_cannot_consent_retroactively() -> None:
    t = terms(valid_from=NOW - timedelta(days=10), expires_at=NOW + timedelta(days=5))
    assert t.valid_from == NOW


def test_a_grant_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidGrant, match="after"):
        terms(valid_from=NOW + timedelta(days=2), expires_at=NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("field", "value"),
    [("purpose", "marketing"), ("purpose", "court-order"), ("scope", "all"), ("max_uses", 0)],
)
def test_bad_terms_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidGrant) as caught:
        terms(**{field: value})
    assert caught.value.field == field


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(InvalidGrant) as caught:
        terms(expires_at=datetime(2026, 12, 1))
    assert caught.value.field == "expires_at"


def test_fraud_alerts_last_one_year_seven_years_and_one_year() -> None:
    rules = live_rules().fraud_alerts
    assert alert_expires_at("initial", NOW, rules) == NOW + timedelta(days=365)
    assert alert_expires_at("extended", NOW, rules) == NOW + timedelta(days=2555)
    assert alert_expires_at("active_duty", NOW, rules) == NOW + timedelta(days=365)
    with pytest.raises(InvalidInput):
        alert_expires_at("permanent", NOW, rules)


def test_every_denial_becomes_a_problem_type_named_by_its_reason() -> None:
    denied = decide(
        AccessRequest(Requester(RequesterKind.USER, org_id=ORG), uuid4(), "collection", "full", NOW)
    )
    error = denial_for(denied)
    assert error.type == "no-grant" == denied.reason and error.status == 403
    assert all(slug == cls.type for slug, cls in DENIALS.items())


def test_every_reason_the_decision_can_give_has_its_own_problem_type() -> None:
    import inspect
    import re

    import consent.decision

    source = inspect.getsource(consent.decision)
    reasons = set(re.findall(r'_deny\(\s*"([a-z-]+)"', source))
    assert len(reasons) >= 12
    assert reasons <= set(DENIALS)
