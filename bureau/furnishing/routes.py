"""Furnisher endpoints: a Metro 2 file (streamed upload) or JSON records, scope `furnish`.

Both answer with the ingest report: counts, how subjects were matched, and every rejected
record with its problems. Valid records land in the request's one transaction.
"""

from __future__ import annotations

from typing import IO, Any
from uuid import UUID

from fastapi import APIRouter, Request
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool

from bureau.api.deps import (
    BearerDep,
    FurnisherKey,
    PoolDep,
    SettingsDep,
    Tx,
    VaultDep,
    presented_key,
)
from bureau.auth.service import OrgPrincipal, authenticate_org
from bureau.db.batch import run
from bureau.furnishing.ingest import ingest_json, ingest_metro2
from bureau.furnishing.report import IngestReport
from bureau.furnishing.schemas import FurnishRecords
from bureau.furnishing.uploads import UploadSlots, spooled
from bureau.vault import Vault

router = APIRouter(tags=["furnish"])


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
    request: Request, credentials: BearerDep, pool: PoolDep, vault: VaultDep, settings: SettingsDep
) -> dict[str, Any]:
    # No connection is held while the body arrives (`bureau.furnishing.uploads`): the key is
    # checked in a short transaction, the body spooled under a read timeout, then ingested.
    furnisher = await run_in_threadpool(_furnisher, pool, credentials)
    limits = settings.uploads
    slots: UploadSlots = request.app.state.upload_slots
    with slots.take(furnisher.org_id):
        async with spooled(request.stream(), limits.read_timeout, limits.max_bytes) as spool:
            report = await run_in_threadpool(_ingest, pool, vault, furnisher.org_id, spool)
    return report.to_json()


def _furnisher(pool: ConnectionPool, credentials: Any) -> OrgPrincipal:
    with pool.connection() as conn, conn.transaction():
        principal = run(conn, authenticate_org(presented_key(credentials)))
    principal.require("furnish")
    return principal


def _ingest(pool: ConnectionPool, vault: Vault, org_id: UUID, spool: IO[bytes]) -> IngestReport:
    with pool.connection() as conn, conn.transaction():
        return ingest_metro2(conn, vault, org_id, spool)  # type: ignore[arg-type]


@router.post("/v1/furnish/records", summary="Furnish accounts as JSON records")
def furnish_records(
    body: FurnishRecords, furnisher: FurnisherKey, conn: Tx, vault: VaultDep
) -> dict[str, Any]:
    report = ingest_json(conn, vault, furnisher.org_id, body.records)
    return report.to_json()
