"""Request models for the furnishing API (the edge only)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bureau.inputs import RequestBody


class FurnishRecords(RequestBody):
    """Accounts as JSON: each record holds Metro 2 base-segment fields by name (dates as
    YYYY-MM-DD, amounts in whole dollars), plus `original_creditor_name` and
    `creditor_classification` for collections. Fields outside the admitted financial data
    categories refuse the whole request."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)
