"""The adverse-action notice holds everything FCRA §615 and Regulation B §1002.9 require."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from bureau.contact import bureau_contact
from bureau.errors import InvalidInput
from bureau.policy.regime import live_rules
from bureau.score.adverse_action import Party, ScoreUsed, adverse_action_notice, render_letter
from bureau.score.scoring import score_input
from tests.score import files
from tests.score.files import account, hard_inquiry

ISSUED = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _score(with_inquiries: bool = True) -> ScoreUsed:
    data = files.scoring_input(
        [account(opened_months=2, balance=4900, limit=5000, history="1" + "B" * 23)],
        inquiries=[hard_inquiry(10)] if with_inquiries else [],
    )
    return ScoreUsed.from_result(score_input(data))


def _notice(score: ScoreUsed | None = None, **overrides: Any) -> dict[str, Any]:
    args: dict[str, object] = {
        "notice_id": uuid4(), "report_id": uuid4(), "issued_at": ISSUED,
        "user": Party("Lumen Lending", "300 Market St, San Francisco CA 94105", "8005550107"),
        "to_name": None, "action": "credit-denied", "action_detail": None,
        "creditor_reasons": ["Debt too high relative to income"],
        "score": score if score is not None else _score(), "bureau": bureau_contact({}),
        "rules": live_rules(),
    }  # fmt: skip
    args.update(overrides)
    return adverse_action_notice(**args)  # type: ignore[arg-type]


def test_notice_states_the_action_the_score_its_range_and_the_key_factors() -> None:
    notice = _notice()
    assert notice["action"]["code"] == "credit-denied" and notice["action"]["text"]
    score = notice["score"]
    assert score["used"] is True
    assert score["range"] == {"min": 300, "max": 850}
    assert score["date"] == "2026-11-01" and "fairfile-fin-2" in score["source"]
    assert 1 <= len(score["key_factors"]) <= 5
    assert score["key_factors"][-1]["code"] == "N02"  # inquiries as the 5th factor
    assert score["inquiries_were_a_key_factor"] is True


def test_notice_names_the_bureau_says_it_did_not_decide_and_gives_the_rights() -> None:
    notice = _notice()
    bureau = notice["bureau"]
    assert bureau["name"] and bureau["address"] and bureau["phone"]
    assert "did not make this decision" in bureau["did_not_decide"]
    rights = {r["right"]: r for r in notice["your_rights"]}
    days = live_rules().adverse_action.free_disclosure_days
    assert f"within {days} days" in rights["free-disclosure"]["text"]
    assert rights["free-disclosure"]["ask_by"] == "2027-01-19"  # 60 days after 20 November
    assert f"{live_rules().dispute.resolve_days} days" in rights["dispute"]["text"]
    assert "Equal Credit Opportunity Act" in rights["equal-credit-opportunity"]["text"]
    assert notice["creditor_reasons"] == ["Debt too high relative to income"]


def test_a_decision_without_a_score_says_so() -> None:
    unscorable = ScoreUsed.from_result(score_input(files.scoring_input([files.collection()])))
    notice = _notice(score=unscorable)
    assert notice["score"] == {"used": False, "text": "No credit score was used in this decision."}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"action": "disliked-applicant"}, "action"),
        ({"creditor_reasons": []}, "reasons"),
        ({"creditor_reasons": ["a", "b", "c", "d", "e"]}, "reasons"),
        ({"creditor_reasons": ["ok", "  "]}, "reasons[1]"),
    ],
)
def test_a_notice_without_a_known_action_or_specific_reasons_is_refused(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        _notice(**overrides)
    assert raised.value.field == field


def test_the_letter_says_what_the_json_says_and_escapes_input() -> None:
    notice = _notice(creditor_reasons=["<script>alert(1)</script>"])
    html = render_letter(notice | {"to": {"name": "Kevin Patrick Doyle"}})
    assert "Dear Kevin Patrick Doyle" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert str(notice["score"]["score"]) in html
    assert notice["bureau"]["phone"] in html
    for factor in notice["score"]["key_factors"]:
        assert factor["code"] in html
    assert "within 60 days" in html
