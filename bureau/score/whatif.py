"""What-if: apply hypothetical changes to the admissible file and score it again.

The changes act on the same ScoringInput the real score used, and the same scorecard scores the
result, so a what-if answer is exactly what the published table says would happen, not an
estimate from a second model. Nothing here is stored: it is arithmetic on a copy.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from bureau.errors import InvalidInput
from bureau.model import Inquiry, Tradeline
from bureau.obsolescence import bankruptcy_expires_on, tradeline_expires_on
from bureau.policy.regime import live_rules
from bureau.score.admissible import ScoringInput
from bureau.score.attributes import is_open
from bureau.score.scorecard import Scorecard
from bureau.score.scoring import ScoreResult, score_input

MAX_MONTHS = 120
MAX_INQUIRIES = 20


@dataclass(frozen=True)
class PayDown:
    """Pay a revolving account's balance down to `balance` dollars."""

    tradeline_id: UUID
    balance: int
    kind: Literal["pay_down"] = "pay_down"


@dataclass(frozen=True)
class OnTime:
    """Let `months` pass with every open, current account paid on time (no new lates).

    Delinquent and closed accounts simply age; items past their reporting period drop off.
    """

    months: int
    kind: Literal["on_time"] = "on_time"


@dataclass(frozen=True)
class Close:
    """Close an open account (its limit stops counting towards utilisation)."""

    tradeline_id: UUID
    kind: Literal["close"] = "close"


@dataclass(frozen=True)
class NewInquiry:
    """Apply for credit `count` times today (hard inquiries)."""

    count: int = 1
    kind: Literal["new_inquiry"] = "new_inquiry"


Change = PayDown | OnTime | Close | NewInquiry


@dataclass(frozen=True)
class Movement:
    attribute: str
    value_before: int | None
    value_after: int | None
    points_before: int
    points_after: int

    @property
    def change(self) -> int:
        return self.points_after - self.points_before


@dataclass(frozen=True)
class WhatIf:
    before: ScoreResult
    after: ScoreResult
    movements: tuple[Movement, ...]

    def as_dict(self) -> dict[str, object]:
        change = (
            self.after.score - self.before.score
            if self.after.score is not None and self.before.score is not None
            else None
        )
        return {
            "version": self.after.version,
            "score_before": self.before.score,
            "score_after": self.after.score,
            "change": change,
            "movements": [
                {
                    "attribute": m.attribute,
                    "value_before": m.value_before,
                    "value_after": m.value_after,
                    "points_before": m.points_before,
                    "points_after": m.points_after,
                    "change": m.change,
                }
                for m in self.movements
            ],
            "after": self.after.as_dict(),
        }


def add_months(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def _account(data: ScoringInput, tradeline_id: UUID, field: str) -> Tradeline:
    for t in data.tradelines:
        if t.tradeline_id == tradeline_id and not t.is_collection:
            return t
    raise InvalidInput(f"no scored account {tradeline_id} in this file", field=field)


def _swap(data: ScoringInput, new: Tradeline) -> ScoringInput:
    return replace(
        data,
        tradelines=tuple(new if t.tradeline_id == new.tradeline_id else t for t in data.tradelines),
    )


def _pay_down(data: ScoringInput, change: PayDown, field: str) -> ScoringInput:
    account = _account(data, change.tradeline_id, f"{field}.tradeline_id")
    if account.portfolio_type not in {"R", "C"} or not is_open(account):
        raise InvalidInput("only an open revolving account can be paid down", field=field)
    if not 0 <= change.balance <= account.current_balance:
        raise InvalidInput(
            f"balance must be between 0 and the current balance {account.current_balance}",
            field=f"{field}.balance",
        )
    return _swap(data, replace(account, current_balance=change.balance))


def _on_time(data: ScoringInput, change: OnTime, field: str) -> ScoringInput:
    if not 1 <= change.months <= MAX_MONTHS:
        raise InvalidInput(f"months must be 1 to {MAX_MONTHS}", field=f"{field}.months")
    n = change.months

    def advanced(t: Tradeline) -> Tradeline:
        if t.is_collection or not is_open(t) or t.account_status != "11":
            return t  # closed and delinquent accounts simply age
        code = "E" if t.current_balance == 0 else "0"
        return replace(
            t,
            payment_history=(code * n + t.payment_history)[:24],
            date_account_information=add_months(t.date_account_information, n),
        )

    later = add_months(data.as_of, n)
    rules = live_rules().retention

    def still_reported(expires: date | None) -> bool:  # items age off as time passes (§605)
        return expires is None or later < expires

    return replace(
        data,
        as_of=later,
        tradelines=tuple(
            advanced(t) for t in data.tradelines if still_reported(tradeline_expires_on(t, rules))
        ),
        bankruptcies=tuple(
            b for b in data.bankruptcies if still_reported(bankruptcy_expires_on(b, rules))
        ),
    )


def _close(data: ScoringInput, change: Close, field: str) -> ScoringInput:
    account = _account(data, change.tradeline_id, f"{field}.tradeline_id")
    if not is_open(account):
        raise InvalidInput("the account is already closed", field=f"{field}.tradeline_id")
    return _swap(data, replace(account, date_closed=data.as_of))


def _new_inquiry(data: ScoringInput, change: NewInquiry, field: str, index: int) -> ScoringInput:
    if not 1 <= change.count <= MAX_INQUIRIES:
        raise InvalidInput(f"count must be 1 to {MAX_INQUIRIES}", field=f"{field}.count")
    at = datetime.combine(data.as_of, time(12), UTC)
    subject = data.tradelines[0].subject_id if data.tradelines else UUID(int=0)
    added = tuple(
        Inquiry(
            subject_id=subject,
            inquiry_id=uuid5(NAMESPACE_URL, f"fairfile-what-if:{index}:{n}"),
            requester_org_id=None,
            requester_name="what-if",
            purpose="credit-transaction",
            kind="hard",
            grant_id=None,
            report_id=None,
            created_at=at,
        )
        for n in range(change.count)
    )
    return replace(data, inquiries=data.inquiries + added)


def apply(data: ScoringInput, changes: list[Change]) -> ScoringInput:
    """The input with every change applied in order; a bad change names its position."""
    for index, change in enumerate(changes):
        field = f"changes[{index}]"
        if isinstance(change, PayDown):
            data = _pay_down(data, change, field)
        elif isinstance(change, OnTime):
            data = _on_time(data, change, field)
        elif isinstance(change, Close):
            data = _close(data, change, field)
        else:
            data = _new_inquiry(data, change, field, index)
    return data


def what_if(data: ScoringInput, changes: list[Change], card: Scorecard | None = None) -> WhatIf:
    if not changes:
        raise InvalidInput("give at least one change", field="changes")
    before = score_input(data, card)
    after = score_input(apply(data, changes), card)
    by_name = {a.attribute: a for a in before.attributes}
    movements = tuple(
        Movement(
            attribute=a.attribute,
            value_before=by_name[a.attribute].value if a.attribute in by_name else None,
            value_after=a.value,
            points_before=by_name[a.attribute].points if a.attribute in by_name else 0,
            points_after=a.points,
        )
        for a in after.attributes
    )
    return WhatIf(before=before, after=after, movements=movements)
