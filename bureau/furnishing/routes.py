"""Furnisher endpoints: a Metro 2 file (streamed upload) or JSON records, scope `furnish`.

Both answer with the ingest report: counts, how subjects were matched, and every rejected
record with its problems. Valid records land in the request's one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any, BinaryIO
from uuid import UUID

from fastapi import APIRouter, Request
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from bureau.api.contract import refuses
from bureau.api.deps import (
    BearerDep,
    FurnisherKey,
    PoolDep,
    SettingsDep,
    Tx,
    VaultDep,
    get_async_pool,
    presented_key,
)
from bureau.auth.service import OrgPrincipal, authenticate_org
from bureau.config import Settings
from bureau.db.batch import run
from bureau.errors import Inadmissible
from bureau.furnishing.ingest import (
    IngestContended,
    NoMetro2Records,
    ingest_json,
    ingest_metro2,
    no_records_reason,
)
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.records import Gap
from bureau.furnishing.metro2.validate import Problem
from bureau.furnishing.report import IngestReport
from bureau.furnishing.schemas import FurnishRecords, IngestReportOut, PreflightOut
from bureau.furnishing.upload_slots import upload_slot
from bureau.furnishing.uploads import (
    TooManyUploads,
    UploadTooLarge,
    UploadTooSlow,
    spooled,
)
from bureau.vault import Vault

router = APIRouter(tags=["furnish"])


@router.post(
    "/v1/furnish/metro2",
    summary="Furnish a Metro 2 file (character format; body is the file's bytes)",
    description="Every record is validated, matched to its subject and stored, or rejected "
    "with each problem named by rule; the same file sent twice is a duplicate. Needs an "
    "organization's API key (`Authorization: Bearer ffk_...`) with the `furnish` scope.",
    response_model=None,
    responses={200: {"model": IngestReportOut, "description": "what became of every record"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                "format": "binary"}}},
        },
        **refuses(UploadTooSlow, UploadTooLarge, TooManyUploads, NoMetro2Records,
                  IngestContended, Inadmissible),
    })  # fmt: skip
async def furnish_metro2(
    request: Request, credentials: BearerDep, pool: PoolDep, vault: VaultDep, settings: SettingsDep
) -> dict[str, Any]:
    async with _upload(request, credentials, pool, settings) as (furnisher, spool):
        report = await run_in_threadpool(_ingest, pool, vault, furnisher.org_id, spool)
    return report.to_json()


@asynccontextmanager
async def _upload(
    request: Request, credentials: Any, pool: ConnectionPool, settings: Settings
) -> AsyncIterator[tuple[OrgPrincipal, IO[bytes]]]:
    """The furnisher and its file's bytes, spooled. No connection is held while the body
    arrives (`bureau.furnishing.uploads`): the key is checked in a short transaction, a slot
    taken (`upload_slots`), and the body spooled under a read timeout and a size cap."""
    furnisher = await run_in_threadpool(_furnisher, pool, credentials)
    limits = settings.uploads
    async with (
        upload_slot(
            await get_async_pool(request), furnisher.org_id, limits.per_furnisher, limits.slot_lease
        ),
        spooled(request.stream(), limits.read_timeout, limits.max_bytes) as spool,
    ):
        yield furnisher, spool


def _furnisher(pool: ConnectionPool, credentials: Any) -> OrgPrincipal:
    with pool.connection() as conn, conn.transaction():
        principal = run(conn, authenticate_org(presented_key(credentials)))
    principal.require("furnish")
    return principal


def _ingest(pool: ConnectionPool, vault: Vault, org_id: UUID, spool: IO[bytes]) -> IngestReport:
    with pool.connection() as conn, conn.transaction():
        return ingest_metro2(conn, vault, org_id, spool)  # type: ignore[arg-type]


@router.post(
    "/v1/furnish/records",
    summary="Furnish accounts as JSON records",
    response_model=None,
    responses={200: {"model": IngestReportOut, "description": "what became of every record"}},
    openapi_extra=refuses(IngestContended, Inadmissible),
)
def furnish_records(
    body: FurnishRecords, furnisher: FurnisherKey, conn: Tx, vault: VaultDep
) -> dict[str, Any]:
    report = ingest_json(conn, vault, furnisher.org_id, body.records)
    return report.to_json()


PREFLIGHT_PROBLEMS = 1000  # problems listed in the answer; `problems_found` counts them all


def _preflight(stream: BinaryIO) -> dict[str, Any]:
    """Validate without storing: the same columnar validator as an ingest (and so the same
    rules and problems), with the count of every kind of record the file holds."""
    columnar = ColumnarValidator()
    validator = columnar.file
    problems: list[Problem] = []
    found = unreadable = control = 0
    for item, item_problems in columnar.items(stream):
        if isinstance(item, Gap):
            unreadable += item.reason is not None
        elif item.kind != "base":
            control += 1
        for problem in item_problems:
            found += 1
            if len(problems) < PREFLIGHT_PROBLEMS:
                problems.append(problem)
    for problem in columnar.finish():
        found += 1
        if len(problems) < PREFLIGHT_PROBLEMS:
            problems.append(problem)
    if not validator.bases and not control:
        raise NoMetro2Records(no_records_reason(problems))
    return {"records": validator.bases, "with_problems": validator.rejected_bases,
            "control": control, "unreadable": unreadable, "problems_found": found,
            "problems": [p.to_dict() for p in problems], "stored": False}  # fmt: skip


@router.post(
    "/v1/furnish/metro2/validate",
    summary="Check a Metro 2 file before sending it: every problem, nothing stored",
    description="The same checks as furnishing, and nothing is stored. Needs an organization's "
    "API key (`Authorization: Bearer ffk_...`) with the `furnish` scope.",
    response_model=None,
    responses={200: {"model": PreflightOut, "description": "every problem, nothing stored"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                "format": "binary"}}},
        },
        **refuses(UploadTooSlow, UploadTooLarge, TooManyUploads, NoMetro2Records),
    })  # fmt: skip
async def validate_metro2(
    request: Request, credentials: BearerDep, pool: PoolDep, settings: SettingsDep
) -> dict[str, Any]:
    async with _upload(request, credentials, pool, settings) as (_, spool):
        return await run_in_threadpool(_preflight, spool)  # type: ignore[arg-type]
