"""The dispute vocabulary: reasons per item, disputable fields, corrections, statements, codes."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from bureau.errors import InvalidInput
from disputes import compliance, screening
from disputes.items import check_disputed_field, parse_corrections, reason, word_count
from disputes.repo import DisputeRow
from tests.disputes.conftest import T0


def test_reasons_apply_only_to_their_items() -> None:
    assert reason("not-mine", "tradeline").code == "not-mine"
    with pytest.raises(InvalidInput) as e:
        reason("not-authorised", "tradeline")
    assert e.value.field == "reason"


def test_only_correctable_fields_can_be_disputed_one_by_one() -> None:
    check_disputed_field("tradeline", "current_balance")
    check_disputed_field("inquiry", None)
    with pytest.raises(InvalidInput):
        check_disputed_field("inquiry", "purpose")


def test_corrections_are_typed_and_checked() -> None:
    parsed = parse_corrections("tradeline", {"date_closed": "2026-10-01", "current_balance": 0,
                                             "payment_rating": None})  # fmt: skip
    assert parsed == {"date_closed": date(2026, 10, 1), "current_balance": 0,
                      "payment_rating": None}  # fmt: skip
    with pytest.raises(InvalidInput) as e:
        parse_corrections("tradeline", {"payment_history": "X" * 24})
    assert e.value.field == "corrected_fields.payment_history"
    with pytest.raises(InvalidInput) as e:
        parse_corrections("tradeline", {"current_balance": True})
    with pytest.raises(InvalidInput) as e:
        parse_corrections("inquiry", {"purpose": "x"})
    assert e.value.field == "corrected_fields"


def test_words_are_counted_as_a_reader_counts_them() -> None:
    assert word_count("  I paid   on time.\nTwice. ") == 5
    assert word_count("") == 0


@pytest.mark.parametrize(
    ("prior", "disagrees", "open_code", "closed_code"),
    [(None, False, "XB", "XH"), (None, True, "XB", "XC"), ("XA", False, "XD", "XA"),
     ("XA", True, "XD", "XE")],
)  # fmt: skip
def test_compliance_codes_follow_metro2(
    prior: str | None, disagrees: bool, open_code: str, closed_code: str
) -> None:
    assert compliance.while_open(prior) == open_code
    assert compliance.after_close(prior, consumer_disagrees=disagrees) == closed_code


def _earlier(result: str, reason_code: str = "inaccurate-late") -> DisputeRow:
    return DisputeRow(
        subject_id=uuid4(), dispute_id=uuid4(), item_kind="tradeline", item_id=uuid4(), field=None,
        furnisher_id=None, reason_code=reason_code, description_ct=None, key_version=None,
        direct=False, state="closed", received_at=T0, due_at=date(2026, 12, 25), result=result,
        closed_at=T0, extended=False, forward_by=None, completed_on=date(2026, 11, 30),
        has_statement=False, recipients_notified_at=None, item_snapshot=None,
        prior_compliance_condition=None,
    )  # fmt: skip


def test_only_a_bare_repeat_of_an_answered_dispute_is_frivolous() -> None:
    assert screening.screen(_earlier("verified"), "inaccurate-late", None, False) is not None
    assert screening.screen(_earlier("verified"), "inaccurate-late", None, True) is None
    assert screening.screen(_earlier("verified"), "inaccurate-balance", None, False) is None
    assert screening.screen(_earlier("deleted"), "inaccurate-late", None, False) is None
    assert screening.screen(None, "inaccurate-late", None, False) is None
