"""Notices read as letters, say what the law requires, and never run the subject's text as HTML."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from disputes import notices

DISPUTE = {"dispute_id": uuid4(), "received_on": "2026-11-25", "due_on": "2026-12-25",
           "reason_code": "inaccurate-balance"}  # fmt: skip
ITEM = {"Item": "Account", "Furnisher": "Test Bank", "Account number": "******0042"}


def test_results_letter_gives_outcome_changes_and_rights() -> None:
    body = notices.results_notice(
        uuid4(), date(2026, 12, 4), date(2026, 12, 11), DISPUTE, ITEM, "modified",
        {"current_balance": {"before": 1200, "after": 0}},
        {"name": "Test Bank", "address": "1 Main St", "phone": "8005550000"},
        {"accounts": [], "bankruptcies": 0, "inquiries": 2},
    )  # fmt: skip
    html = notices.render_html(body)
    assert "The results of your dispute" in html
    assert "corrected the item" in html
    assert "current_balance" in html and "1200" in html
    assert "up to 100 words" in html
    assert "180 days" in html and "730 days" in html
    assert "Test Bank, 1 Main St, telephone 8005550000" in html


def test_letters_escape_text_from_outside() -> None:
    body = notices.correction_notice(
        uuid4(), date(2026, 12, 4), DISPUTE, ITEM, {"name": "<b>Lender</b>", "address": None},
        None, None, "<script>alert(1)</script> I disagree",
    )  # fmt: skip
    html = notices.render_html(body)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Lender</b>" not in html


def test_frivolous_letter_says_why_and_what_is_needed() -> None:
    body = notices.frivolous_notice(
        uuid4(),
        date(2026, 12, 4),
        date(2026, 12, 11),
        DISPUTE,
        ITEM,
        "it repeats an answered dispute",
        "a new document",
    )
    html = notices.render_html(body)
    assert "Why: it repeats an answered dispute" in html
    assert "What we need to investigate it: a new document" in html
    assert body["due_by"] == "2026-12-11"
