"""Sending a released report again, to the organization it was released to.

Not a new release: no decision, no inquiry, no use of the grant; the same signed bytes as the
first time (so the signature still verifies and the access-log entry it names is the
release's). But the subject sees every time their report leaves the bureau, so each
re-delivery is an access-log entry of its own (`ReportRedelivered`), in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau import events
from bureau.db import id_routes
from bureau.db.batch import run_async
from bureau.errors import NotFound
from bureau.reports import copies
from bureau.reports.release import Released
from bureau.signing import b64url_decode
from bureau.vault import Vault
from consent.errors import FileClosedDenied, FileShreddedDenied


class ReportNotHeld(NotFound):
    type = "report-not-found"
    title = "No such report held for you"


async def redeliver(
    conn: psycopg.AsyncConnection[Any], vault: Vault, org_id: UUID, report_id: UUID, at: datetime
) -> bytes:
    """The report's response body, byte for byte as `POST /v1/reports` sent it."""
    held = None
    if not await id_routes.distributed_async(conn):
        held = await run_async(conn, copies.held_copy(report_id, org_id, at))
    elif (subject_id := await id_routes.subject_of_async(conn, "report", report_id)) is not None:
        held = await run_async(conn, copies.held_copy(report_id, org_id, at, subject_id))
    if held is None:
        # Unknown, another organization's, or past its window: one answer for all three.
        raise ReportNotHeld(f"no report {report_id} is held for you", field="report_id")
    if held.file_status == "shredded":
        raise FileShreddedDenied("the subject's file was erased", reason="file-shredded")
    if held.file_status != "active":
        raise FileClosedDenied("the subject closed their file: it is sent to no one",
                               reason="file-closed")  # fmt: skip
    jws = vault.cipher_from(held.subject_id, held.data_keys).decrypt(copies.KIND, held.jws_ct)
    payload = b64url_decode(jws.split(".")[1])
    await events.publish_async(conn, events.ReportRedelivered(
        subject_id=held.subject_id, to=org_id, report_id=report_id))  # fmt: skip
    return Released(report_id, held.log_entry, {}, payload, jws).response_json()
