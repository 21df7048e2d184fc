"""What-if request bodies (the API edge only): a list of changes, each tagged by `kind`."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from bureau.inputs import RequestBody
from bureau.score import whatif


class PayDownIn(RequestBody):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pay_down"]
    tradeline_id: UUID
    balance: int = Field(ge=0, description="the new balance in whole dollars")


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
    model_config = ConfigDict(extra="forbid")
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
