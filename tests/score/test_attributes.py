"""The payment-history attributes look back exactly 24 months, however stale the report."""

from __future__ import annotations

from dataclasses import replace

from bureau.score.attributes import late_months, months_since_late, worst_late_24m
from bureau.score.whatif import add_months
from tests.score.files import AS_OF, account, scoring_input


def _reported_months_ago(history: str, months: int, status: str = "11") -> list[tuple[int, int]]:
    stale = replace(
        account(history=history, status=status),
        date_account_information=add_months(AS_OF, -months),
    )
    return late_months(scoring_input([stale]))


def test_a_late_month_24_months_back_counts_and_25_does_not() -> None:
    # Reported 3 months ago: history position 21 is 24 months back, position 22 is 25.
    assert _reported_months_ago("0" * 20 + "1" + "0" * 3, 3) == [(24, 30)]
    assert _reported_months_ago("0" * 21 + "2" + "0" * 2, 3) == []


def test_every_late_month_in_the_window_is_counted_with_its_depth() -> None:
    history = "1" + "0" * 4 + "3" + "0" * 10 + "L" + "0" * 7
    data = scoring_input([account(history=history)])
    assert late_months(data) == [(1, 30), (6, 90), (17, 180)]
    assert worst_late_24m(data) == 180
    assert months_since_late(data) == 1


def test_the_current_late_status_counts_even_with_a_clean_history() -> None:
    assert _reported_months_ago("0" * 24, 0, status="78") == [(0, 60)]


def test_a_report_older_than_the_window_contributes_nothing() -> None:
    assert _reported_months_ago("1" * 24, 30, status="71") == []
