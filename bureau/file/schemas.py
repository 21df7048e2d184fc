"""What GET /v1/me/file answers (the edge only): documentation of the full disclosure as
`bureau.file.service.full_disclosure` builds it. Sent as built (`extra="allow"`): the sections
the app plugs in (consent's grants and freeze) and anything the disclosure gains are never
dropped."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bureau.audit.schemas import LogEntry, TreeHead
from bureau.jsonvalue import Json
from bureau.score.schemas import ScoreOut


class DisclosedAccessLog(BaseModel):
    model_config = ConfigDict(extra="allow")
    tree_head: TreeHead
    entries: list[LogEntry]
    how_to_verify: str


class Disclosure(BaseModel):
    """Everything held about the subject (FCRA §609(a)), every source and every inquiry."""

    model_config = ConfigDict(extra="allow")
    subject_id: str
    as_of: datetime
    regime: str
    identity: dict[str, Json]
    tradelines: list[dict[str, Json]]
    collections: list[dict[str, Json]]
    bankruptcies: list[dict[str, Json]]
    inquiries: list[dict[str, Json]] = Field(description="hard and soft: the subject sees all")
    fraud_alerts: list[dict[str, Json]]
    frozen: bool
    statements: list[dict[str, Json]]
    score: ScoreOut
    access_log: DisclosedAccessLog = Field(description="every earlier access, with its proof")
