"""Request bodies of the dispute API (Pydantic at the edge only; the service takes dataclasses)."""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from bureau.errors import InvalidInput
from bureau.inputs import RequestBody
from disputes.items import REASONS
from disputes.service import Document
from disputes.workflow import AnswerCode

ReasonCode = StrEnum(  # type: ignore[misc]
    "ReasonCode", {code.replace("-", "_").upper(): code for code in REASONS}
)
"""The dispute reason codes of `disputes.items.REASONS` (GET /v1/me/disputes/reasons)."""

DocumentType = Literal["application/pdf", "image/jpeg", "image/png", "text/plain"]
"""The document types a dispute accepts (`disputes.service.DOCUMENT_TYPES`)."""
MAX_DOCUMENT_BASE64 = 14_000_000  # about 10 MB of document
MAX_TEXT = 10_000


class _Strict(RequestBody):
    pass


class ItemRef(_Strict):
    kind: Literal["account", "bankruptcy", "inquiry", "identity"] = Field(
        description="What is disputed. 'Not mine' is the reason code `not-mine` on an item."
    )
    id: UUID = Field(description="The item's id as shown in GET /v1/me/file")
    field: str | None = Field(
        default=None,
        max_length=64,
        description="For an account: the one field disputed (e.g. current_balance)",
    )


class DocumentIn(_Strict):
    filename: str = Field(min_length=1, max_length=200)
    content_type: DocumentType
    content_base64: str = Field(
        max_length=MAX_DOCUMENT_BASE64, description="The file's bytes, base64-encoded"
    )


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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "item": {
                        "kind": "account",
                        "id": "3c9e2a71-5b0d-4f6e-8a1c-9d2e7f4b6a10",
                        "field": "current_balance",
                    },
                    "reason": "inaccurate-balance",
                    "description": "I paid this card off in March.",
                }
            ]
        }
    )
    item: ItemRef
    reason: ReasonCode = Field(description="A reason code from GET /v1/me/disputes/reasons")
    description: str | None = Field(
        default=None, max_length=MAX_TEXT, description="In your own words (encrypted)"
    )
    direct: bool = Field(
        default=False, description="File directly with the furnisher (Reg V §1022.43)"
    )
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)


class InformationIn(_Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "My bank statement for March is attached."}]}
    )
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=10)


class StatementIn(_Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "I dispute this balance; it was paid."}]}
    )
    text: str = Field(max_length=MAX_TEXT)


class AnswerIn(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"code": "modified", "corrected_fields": {"current_balance": 0}}]
        }
    )
    code: AnswerCode = Field(description="verified, modified, deleted or not_theirs")
    corrected_fields: dict[str, Any] | None = Field(
        default=None, description="With 'modified': field -> corrected value"
    )


class ReinsertionIn(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"certified": True, "certification": "J. Doe, compliance, 2026-11-20"}]
        }
    )
    certified: bool = Field(description="The furnisher certifies the item complete and accurate")
    certification: str = Field(
        default="", max_length=2000, description="Who certified, and on what basis"
    )


class FrivolousIn(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "No account is named.", "needed": "The account number."}]
        }
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the dispute cannot be investigated"
    )
    needed: str = Field(
        min_length=1, max_length=2000, description="What information would let it be investigated"
    )
