"""Request bodies of the dispute API (Pydantic at the edge only; the service takes dataclasses)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bureau.errors import InvalidInput
from disputes.service import Document
from disputes.workflow import AnswerCode


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemRef(_Strict):
    kind: Literal["account", "bankruptcy", "inquiry", "identity"] = Field(
        description="What is disputed. 'Not mine' is the reason code `not-mine` on an item."
    )
    id: UUID = Field(description="The item's id as shown in GET /v1/me/file")
    field: str | None = Field(
        default=None, description="For an account: the one field disputed (e.g. current_balance)"
    )


class DocumentIn(_Strict):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str
    content_base64: str = Field(description="The file's bytes, base64-encoded")


def documents(docs: list[DocumentIn]) -> list[Document]:
    out = []
    for i, d in enumerate(docs):
        try:
            content = base64.b64decode(d.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("not valid base64", field=f"documents.{i}.content_base64") from None
        out.append(Document(d.filename, d.content_type, content))
    return out


class FilingIn(_Strict):
    item: ItemRef
    reason: str = Field(description="A reason code from GET /v1/me/disputes/reasons")
    description: str | None = Field(default=None, description="In your own words (encrypted)")
    direct: bool = Field(
        default=False, description="File directly with the furnisher (Reg V §1022.43)"
    )
    documents: list[DocumentIn] = Field(default_factory=list)


class InformationIn(_Strict):
    text: str | None = None
    documents: list[DocumentIn] = Field(default_factory=list)


class StatementIn(_Strict):
    text: str


class AnswerIn(_Strict):
    code: AnswerCode = Field(description="verified, modified, deleted or not_theirs")
    corrected_fields: dict[str, Any] | None = Field(
        default=None, description="With 'modified': field -> corrected value"
    )


class ReinsertionIn(_Strict):
    certified: bool = Field(description="The furnisher certifies the item complete and accurate")
    certification: str = Field(default="", description="Who certified, and on what basis")


class FrivolousIn(_Strict):
    reason: str = Field(min_length=1, description="Why the dispute cannot be investigated")
    needed: str = Field(min_length=1, description="What information would let it be investigated")
