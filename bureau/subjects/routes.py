"""The erasure right over HTTP: the subject closes (or reopens) their file; the operator
records a closure asked for elsewhere and shreds closed files. See bureau/subjects/erasure.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from bureau.api.contract import refuses
from bureau.api.deps import OperatorKey, Subject, Tx, VaultDep
from bureau.inputs import RequestBody
from bureau.policy.regime import live_rules
from bureau.subjects import erasure
from bureau.subjects.erasure import FileState
from bureau.subjects.errors import FileClosed, FileNotClosed, FileShredded, SubjectNotFound

router = APIRouter(tags=["erasure"])


class ShredOut(BaseModel):
    """What shredding forgot, counted, and the access-log entry that records it."""

    subject_id: UUID
    status: Literal["shredded"]
    shredded_at: datetime
    access_log_entry: int
    identities: int = Field(description="identity values forgotten")
    accounts_unlinked: int
    statements: int
    disputes_ended: int


class OperatorClosureIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"request_ref": "letter 2026-114"}]})

    request_ref: str = Field(
        min_length=1,
        max_length=200,
        description="Reference of the subject's verified request (letter, call): kept in the "
        "access log, so it must not carry personal data",
    )


@router.get(
    "/v1/me/file/closure",
    response_model=FileState,
    summary="Whether my file is closed, and when it is shredded",
)
def my_closure(subject: Subject, conn: Tx) -> FileState:
    return erasure.file_state(conn, subject.subject_id, live_rules().erasure)


@router.post(
    "/v1/me/file/closure",
    status_code=status.HTTP_201_CREATED,
    summary="Close my file: released to no one, then erased (GDPR Art. 17)",
    openapi_extra=refuses(FileClosed),
)
def close_my_file(subject: Subject, conn: Tx) -> FileState:
    return erasure.close_file(
        conn, subject.subject_id, datetime.now(UTC), live_rules().erasure, by="subject"
    )


@router.delete(
    "/v1/me/file/closure",
    summary="Withdraw my closure before the file is shredded",
    openapi_extra=refuses(FileNotClosed),
)
def reopen_my_file(subject: Subject, conn: Tx) -> FileState:
    return erasure.reopen_file(conn, subject.subject_id, live_rules().erasure, by="subject")


@router.post(
    "/v1/operator/subjects/{subject_id}/closure",
    status_code=status.HTTP_201_CREATED,
    summary="Close a file at the subject's verified request",
    openapi_extra=refuses(SubjectNotFound, FileClosed, FileShredded),
)
def close_file(
    subject_id: UUID, body: OperatorClosureIn, operator: OperatorKey, conn: Tx
) -> FileState:
    return erasure.close_file(
        conn,
        subject_id,
        datetime.now(UTC),
        live_rules().erasure,
        by=f"operator:{operator.key_id}",
        request_ref=body.request_ref.strip(),
    )


@router.post(
    "/v1/operator/subjects/{subject_id}/shred",
    summary="Shred a closed file now: its keys destroyed, its person unlinkable (irreversible)",
    response_model=ShredOut,
    openapi_extra=refuses(SubjectNotFound, FileNotClosed, FileShredded),
)
def shred_file(
    subject_id: UUID, operator: OperatorKey, conn: Tx, vault: VaultDep
) -> dict[str, Any]:
    return erasure.shred_file(
        conn, vault, subject_id, datetime.now(UTC), by=f"operator:{operator.key_id}"
    )
