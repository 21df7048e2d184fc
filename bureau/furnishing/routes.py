"""Furnisher endpoints: a Metro 2 file (streamed upload) or JSON records, scope `furnish`.

Both answer with the ingest report: counts, how subjects were matched, and every rejected
record with its problems. Valid records land in the request's one transaction.
"""

from __future__ import annotations

import tempfile
from typing import Any, BinaryIO

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bureau.api.deps import FurnisherKey, Tx, VaultDep
from bureau.errors import InvalidInput
from bureau.furnishing.ingest import (
    NoMetro2Records,
    ingest_json,
    ingest_metro2,
    no_records_reason,
)
from bureau.furnishing.metro2.parse import Reader
from bureau.furnishing.metro2.records import Gap
from bureau.furnishing.metro2.validate import FileValidator, Problem
from bureau.furnishing.schemas import FurnishRecords

router = APIRouter(tags=["furnish"])
SPOOL_IN_MEMORY = 8 << 20  # larger uploads spill to a temporary file, never held whole


@router.post(
    "/v1/furnish/metro2",
    summary="Furnish a Metro 2 file (character format; body is the file's bytes)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                "format": "binary"}}},
        }
    },
)  # fmt: skip
async def furnish_metro2(
    request: Request, furnisher: FurnisherKey, conn: Tx, vault: VaultDep
) -> dict[str, Any]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        async for chunk in request.stream():
            spool.write(chunk)
            size += len(chunk)
        if size == 0:
            raise InvalidInput("the request body is empty: send the Metro 2 file", field="body")
        spool.seek(0)
        report = await run_in_threadpool(
            ingest_metro2,
            conn,
            vault,
            furnisher.org_id,
            spool,  # type: ignore[arg-type]
        )
    return report.to_json()


@router.post("/v1/furnish/records", summary="Furnish accounts as JSON records")
def furnish_records(
    body: FurnishRecords, furnisher: FurnisherKey, conn: Tx, vault: VaultDep
) -> dict[str, Any]:
    report = ingest_json(conn, vault, furnisher.org_id, body.records)
    return report.to_json()


PREFLIGHT_PROBLEMS = 1000  # problems listed in the answer; `problems_found` counts them all


def _preflight(stream: BinaryIO) -> dict[str, Any]:
    """Validate without storing: the same reader and validator as an ingest (and so the same
    rules), with the count of every kind of record the file holds."""
    validator = FileValidator()
    problems: list[Problem] = []
    found = unreadable = control = 0
    for item in Reader(stream):
        if isinstance(item, Gap):
            unreadable += item.reason is not None
        elif item.kind != "base":
            control += 1
        for problem in validator.check(item):
            found += 1
            if len(problems) < PREFLIGHT_PROBLEMS:
                problems.append(problem)
    for problem in validator.finish():
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
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                "format": "binary"}}},
        }
    },
)  # fmt: skip
async def validate_metro2(request: Request, furnisher: FurnisherKey) -> dict[str, Any]:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        async for chunk in request.stream():
            spool.write(chunk)
            size += len(chunk)
        if size == 0:
            raise InvalidInput("the request body is empty: send the Metro 2 file", field="body")
        spool.seek(0)
        return await run_in_threadpool(_preflight, spool)  # type: ignore[arg-type]
