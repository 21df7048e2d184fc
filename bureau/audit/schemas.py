"""Response bodies of the access-log routes (the edge only): what `bureau.audit.tree` and
`bureau.audit.access_log` publish, typed for the OpenAPI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bureau.jsonvalue import Json
from bureau.pagination import PageInfo


class Answer(BaseModel):
    """A response body built as a dict by its service: a key the service gains is sent too."""

    model_config = ConfigDict(extra="allow")


class TreeHead(Answer):
    """A signed tree head (RFC 6962 §3.5), hashes in base64url."""

    tree_size: int = Field(ge=0)
    root_hash: str
    timestamp: datetime
    timestamp_ms: int
    key_id: str = Field(description="the signing key's id in GET /v1/keys")
    signature: str
    signed_data: str = Field(description="what the signature covers, in words")


class LogEntry(Answer):
    entry_id: int
    leaf_index: int
    event: str
    entry: dict[str, Json] = Field(description="the entry exactly as hashed into its leaf")
    leaf_hash: str
    inclusion_proof: list[str]


class MyAccessLog(Answer):
    tree_head: TreeHead
    entries: list[LogEntry]
    subject_tip: dict[str, Json] | None = Field(
        default=None,
        description="what the signed subject map holds at the subject's position: their newest "
        "entry, or none (entries 0), and who else shares it, with the path to the signed root",
    )
    how_to_verify: str
    page: PageInfo


class Consistency(Answer):
    first: int
    second: int
    first_root_hash: str | None = Field(description="null when no head of size `first` was signed")
    second_tree_head: TreeHead
    proof: list[str]


class Inclusion(Answer):
    leaf_index: int
    leaf_hash: str
    tree_head: TreeHead
    inclusion_proof: list[str]
