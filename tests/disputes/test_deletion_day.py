"""The right does not wait for the job: an item still unverified past its deletion day is off
every report, disclosure and score from that day, whether or not `run-deadlines` has run."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.business_days import deletion_day
from bureau.db.batch import run
from bureau.db.pool import transaction
from bureau.file.assemble import assemble
from bureau.policy.regime import live_rules
from bureau.score.scoring import score_file
from bureau.vault import Vault
from disputes import repo, service
from tests.conftest import bearer
from tests.disputes.conftest import T0, World, account_dispute
from tests.disputes.test_reinvestigation import account


def test_an_unverified_item_leaves_the_file_on_its_deletion_day_before_the_job_runs(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    # due Fri 25 Dec (Christmas): the first business day after it is Monday 28 December
    assert deletion_day(row.due_at, live_rules().dispute) == date(2026, 12, 28)
    sunday = datetime.combine(date(2026, 12, 27), time(12), UTC)
    monday = datetime.combine(date(2026, 12, 28), time(12), UTC)
    assert account(conn, vault, world, sunday) is not None
    assert account(conn, vault, world, monday) is None  # no job has run
    score_before = score_file(run(conn, assemble(vault, world.subject_id, sunday)), sunday.date())
    score_on = score_file(run(conn, assemble(vault, world.subject_id, monday)), monday.date())
    assert "late_months_24m" in {a.attribute for a in score_before.attributes}
    before = {a.attribute: a.value for a in score_before.attributes}
    on = {a.attribute: a.value for a in score_on.attributes}
    assert before["late_months_24m"] == 1 and on["late_months_24m"] == 0  # its late is gone
    still = repo.dispute(conn, world.subject_id, row.dispute_id)
    assert still is not None and still.state in {"received", "forwarded"}


def test_a_verified_answer_in_time_keeps_the_item_after_the_deletion_day(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, world: World
) -> None:
    from disputes.reinvestigation import answer
    from disputes.workflow import AnswerCode

    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)
    answer(conn, vault, world.furnisher_id, row.dispute_id, AnswerCode.VERIFIED, {},
           T0 + timedelta(days=3))  # fmt: skip
    assert account(conn, vault, world, datetime(2027, 1, 4, 12, tzinfo=UTC)) is not None


def test_a_disputed_unverified_item_is_gone_from_report_and_disclosure_before_the_job(
    client: TestClient, pool: ConnectionPool, vault: Vault, committed_world: World
) -> None:
    world = committed_world
    filed_at = datetime.now(UTC) - timedelta(days=45)  # past 30 days and the next business day
    with transaction(pool) as conn:
        row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), filed_at)
    lender = world.users["recent-lender"]
    granted = client.post("/v1/me/consents", headers=bearer(world.token), json={
        "requester_org_id": str(lender), "purpose": "credit-transaction"})  # fmt: skip
    assert granted.status_code == 201, granted.text
    pulled = client.post("/v1/reports", headers=bearer(world.user_keys["recent-lender"]), json={
        "grant_id": granted.json()["grant_id"], "purpose": "credit-transaction"})  # fmt: skip
    assert pulled.status_code == 201, pulled.text
    reported = {t["tradeline_id"] for t in pulled.json()["report"]["file"]["tradelines"]}
    assert str(world.tradeline_id) not in reported
    assert str(world.second_tradeline_id) in reported  # the undisputed account stays
    disclosed = client.get("/v1/me/file", headers=bearer(world.token)).json()
    shown = {t["tradeline_id"] for t in disclosed["tradelines"]}
    assert str(world.tradeline_id) not in shown and str(world.second_tradeline_id) in shown
    with transaction(pool) as conn:
        still = repo.dispute(conn, world.subject_id, row.dispute_id)
    assert still is not None and still.state in {"received", "forwarded"}  # the job never ran
