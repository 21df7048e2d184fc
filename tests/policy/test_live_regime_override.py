"""The live service follows its regime file: run it under an override (FAIRFILE_REGIME naming
a regime file) that changes the deletion day, the creditor-reason cap and one purpose's freeze
exemption, and each behaviour changes with it; nothing of that law is a constant in code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from importlib import resources
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.db.batch import run
from bureau.db.pool import transaction
from bureau.file.assemble import assemble
from bureau.policy.regime import RegimeError, live_rules, load_regime, reload_live_regime
from bureau.vault import Vault
from disputes import service
from disputes.reinvestigation import run_deadlines
from tests.conftest import bearer
from tests.disputes.conftest import T0, World, account_dispute, build_world

CHANGES = {
    "deletion_business_days_after_due = 1": "deletion_business_days_after_due = 3",
    "creditor_reasons_max = 4": "creditor_reasons_max = 1",
    # account review by an existing creditor no longer passes a freeze
    '[purposes.account-review]\ncitation = "§604(a)(3)(A)"         # review of an existing account\n'
    'inquiry = "soft"\nextends_new_credit = false\nfreeze_exempt = true': '[purposes.account-review]\ncitation = "§604(a)(3)(A)"\n'
    'inquiry = "soft"\nextends_new_credit = false\nfreeze_exempt = false',
}


def _builtin_text() -> str:
    return (resources.files("bureau.policy") / "regimes" / "fcra-consent.toml").read_text("utf-8")


def _override_text() -> str:
    text = _builtin_text()
    for before, after in CHANGES.items():
        assert before in text, before
        text = text.replace(before, after)
    return text.replace('id = "fcra-consent"', 'id = "fcra-consent-test"')


@pytest.fixture
def override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "stricter.toml"
    path.write_text(_override_text(), encoding="utf-8")
    monkeypatch.setenv("FAIRFILE_REGIME", str(path))
    reload_live_regime()
    yield path
    monkeypatch.delenv("FAIRFILE_REGIME")
    reload_live_regime()


def _present(conn: psycopg.Connection, vault: Vault, world: World, day: date) -> bool:
    at = datetime.combine(day, time(12), UTC)
    return any(t.tradeline_id == world.tradeline_id
               for t in run(conn, assemble(vault, world.subject_id, at)).tradelines)  # fmt: skip


def test_the_deletion_day_follows_the_regime(
    conn: psycopg.Connection, vault: Vault, override: Path
) -> None:
    assert live_rules().dispute.deletion_business_days_after_due == 3
    world = build_world(conn, vault)
    row = service.file_dispute(conn, vault, world.subject_id, account_dispute(world), T0)

    # due Fri 25 Dec; three business days after it: Mon 28, Tue 29, Wed 30 December
    def deleted_on(day: date) -> list[str]:  # this world's only: other tests' may be overdue
        summary = run_deadlines(conn, vault, datetime.combine(day, time(12), UTC))
        return [d["dispute_id"] for d in summary["deleted"] if d["subject_id"] == mine]

    mine = str(world.subject_id)
    assert _present(conn, vault, world, date(2026, 12, 29))
    assert deleted_on(date(2026, 12, 29)) == []
    assert not _present(conn, vault, world, date(2026, 12, 30))
    assert deleted_on(date(2026, 12, 30)) == [str(row.dispute_id)]


def test_the_creditor_reason_cap_and_a_freeze_exemption_follow_the_regime(
    client: TestClient, pool: ConnectionPool, vault: Vault, request: pytest.FixtureRequest
) -> None:
    with transaction(pool) as conn:
        world = build_world(conn, vault)
    subject = bearer(world.token)
    bank = bearer(world.furnisher_key)  # holds the subject's accounts
    review = client.post("/v1/me/consents", headers=subject, json={
        "requester_org_id": str(world.furnisher_id), "purpose": "account-review",
        "max_uses": 2})  # fmt: skip
    assert review.status_code == 201, review.text
    assert client.put("/v1/me/freeze", headers=subject).status_code in {200, 201}
    body = {"grant_id": review.json()["grant_id"], "purpose": "account-review"}
    # fcra-consent: the existing creditor's review passes the freeze
    before = client.post("/v1/reports", headers=bank, json=body)
    assert before.status_code == 201, before.text
    report_id = before.json()["report"]["report_id"]

    request.getfixturevalue("override")
    frozen = client.post("/v1/reports", headers=bank, json=body)
    assert frozen.status_code == 403 and frozen.json()["type"].endswith("file-frozen"), frozen.text
    two = {"report_id": report_id, "action": "limit-reduced",
           "reasons": ["Balance high", "Late payment"]}  # fmt: skip
    refused = client.post("/v1/notices/adverse-action", headers=bank, json=two)
    assert refused.status_code == 422 and refused.json()["field"] == "reasons", refused.text
    assert "1 to 1" in refused.json()["detail"]
    one = client.post("/v1/notices/adverse-action", headers=bank, json=two | {"reasons": ["x"]})
    assert one.status_code == 201, one.text


@pytest.mark.parametrize(
    ("before", "after", "field"),
    [
        ('inquiry = "hard"', 'inquiry = "firm"', "purposes.credit-transaction.inquiry"),
        (
            "creditor_reasons_max = 4",
            "creditor_reasons_max = 0",
            "adverse_action.creditor_reasons_max",
        ),
        (
            "deletion_business_days_after_due = 1",
            "deletion_business_days_after_due = -1",
            "dispute.deletion_business_days_after_due",
        ),
        (
            'admissible_segments = ["J1"',
            'admissible_segments = ["employment"',
            "furnishing.admissible_segments",
        ),
        ("own_grant = true ", "own_grant = 1 ", "purposes.employment.own_grant"),
        ("[furnishing]", "[furnishing_]", "furnishing"),
    ],
)
def test_a_bad_live_value_is_refused_naming_its_field(
    tmp_path: Path, before: str, after: str, field: str
) -> None:
    text = _builtin_text()
    assert before in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(before, after, 1), encoding="utf-8")
    with pytest.raises(RegimeError) as raised:
        load_regime(path)
    assert raised.value.field == field


def test_a_regime_without_a_purpose_the_api_names_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent.purposes import purposes

    text = _override_text()
    start = text.index("[purposes.court-order]")
    end = text.index("[retention]") if "[retention]" in text[start:] else text.index("[freeze]")
    path = tmp_path / "no-court.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    monkeypatch.setenv("FAIRFILE_REGIME", str(path))
    reload_live_regime()
    try:
        with pytest.raises(RegimeError) as raised:
            purposes()
        assert raised.value.field == "purposes.court-order"
    finally:
        monkeypatch.delenv("FAIRFILE_REGIME")
        reload_live_regime()
