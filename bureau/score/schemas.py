"""Score request and response bodies (the API edge only): a what-if is a list of changes,
each tagged by `kind`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.inputs import RequestBody
from bureau.score import whatif


class PayDownIn(RequestBody):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pay_down"]
    tradeline_id: UUID
    balance: int = Field(ge=0, le=999_999_999, description="the new balance in whole dollars")


class OnTimeIn(RequestBody):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["on_time"]
    months: int = Field(ge=1, le=whatif.MAX_MONTHS, description="months with no new late payment")


class CloseIn(RequestBody):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["close"]
    tradeline_id: UUID


class NewInquiryIn(RequestBody):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["new_inquiry"]
    count: int = Field(default=1, ge=1, le=whatif.MAX_INQUIRIES)


ChangeIn = Annotated[PayDownIn | OnTimeIn | CloseIn | NewInquiryIn, Field(discriminator="kind")]


class WhatIfIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"changes": [
            {"kind": "pay_down", "tradeline_id": "3c9e2a71-5b0d-4f6e-8a1c-9d2e7f4b6a10",
             "balance": 0},
            {"kind": "on_time", "months": 12}]}]},
    )  # fmt: skip
    changes: list[ChangeIn] = Field(min_length=1, max_length=20)

    def to_domain(self) -> list[whatif.Change]:
        out: list[whatif.Change] = []
        for c in self.changes:
            if isinstance(c, PayDownIn):
                out.append(whatif.PayDown(tradeline_id=c.tradeline_id, balance=c.balance))
            elif isinstance(c, OnTimeIn):
                out.append(whatif.OnTime(months=c.months))
            elif isinstance(c, CloseIn):
                out.append(whatif.Close(tradeline_id=c.tradeline_id))
            else:
                out.append(whatif.NewInquiry(count=c.count))
        return out


# What the score routes answer: documentation of `ScoredFile.as_dict()` and `WhatIf.as_dict()`,
# sent as they are (`extra="allow"`: nothing they gain is dropped).


class AttributeOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    attribute: str
    family: str
    title: str
    value: int | None
    bin: str
    points: int
    max_points: int


class ReasonOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    rank: int
    code: str
    attribute: str
    text: str
    points_lost: int


class ScoreRange(BaseModel):
    min: int
    max: int


class ScoreOut(BaseModel):
    """The score, every attribute's points and maximum, and the key factors (docs/score.md)."""

    model_config = ConfigDict(extra="allow")
    version: str
    table_sha256: str
    as_of: date
    scorable: bool
    score: int | None
    range: ScoreRange
    unscorable_reason: str | None
    how_to_check: str
    base: int
    points_total: int | None
    attributes: list[AttributeOut]
    reasons: list[ReasonOut]


class MovementOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    attribute: str
    value_before: int | None
    value_after: int | None
    points_before: int
    points_after: int
    change: int


class WhatIfOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: str
    score_before: int | None
    score_after: int | None
    change: int | None
    movements: list[MovementOut]
    after: ScoreOut
