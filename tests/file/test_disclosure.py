"""Full disclosure: the subject sees every item with its source and every inquiry — and
nobody else's — and the access itself is logged in the same transaction."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from bureau.sandbox.personas import PERSONAS
from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer


def _file(client: TestClient, sandbox: SeedResult, slug: str) -> dict[str, Any]:
    response = client.get("/v1/me/file", headers=bearer(sandbox.personas[slug]["token"]))
    assert response.status_code == 200, response.text
    return response.json()


def test_disclosure_returns_exactly_the_personas_items(
    client: TestClient, sandbox: SeedResult, database_url: str
) -> None:
    body = _file(client, sandbox, "prime-long-history")
    subject_id = sandbox.personas["prime-long-history"]["subject_id"]
    assert body["subject_id"] == subject_id
    assert body["identity"]["names"] == ["Margaret Ellen Okafor"]
    with psycopg.connect(database_url) as conn:
        held = {
            str(r[0])
            for r in conn.execute(
                "SELECT tradeline_id FROM tradelines WHERE subject_id = %s", (subject_id,)
            )
        }
    shown = {t["tradeline_id"] for t in body["tradelines"] + body["collections"]}
    assert shown == held and len(shown) == 5


def test_every_item_names_its_source(client: TestClient, sandbox: SeedResult) -> None:
    body = _file(client, sandbox, "collection")
    items = body["tradelines"] + body["collections"]
    assert all(item["source"]["name"] for item in items)
    (collection,) = body["collections"]
    assert collection["source"]["name"] == "Meridian Recovery Services"
    assert collection["original_creditor"] == "ST MARY MEDICAL CENTER"


def test_no_persona_sees_another_personas_items(client: TestClient, sandbox: SeedResult) -> None:
    seen: dict[str, set[str]] = {}
    for persona in PERSONAS:
        body = _file(client, sandbox, persona.slug)
        assert body["subject_id"] == sandbox.personas[persona.slug]["subject_id"]
        assert body["identity"]["names"] == [persona.name]
        seen[persona.slug] = {t["tradeline_id"] for t in body["tradelines"] + body["collections"]}
        assert len(seen[persona.slug]) == len(persona.accounts)
    all_ids = [i for ids in seen.values() for i in ids]
    assert len(all_ids) == len(set(all_ids))


def test_account_numbers_are_masked_to_the_last_four(
    client: TestClient, sandbox: SeedResult
) -> None:
    for item in _file(client, sandbox, "maxed-out-cards")["tradelines"]:
        assert item["account_number"][:-4].strip("*") == ""


def test_every_inquiry_is_shown_with_who_and_why(client: TestClient, sandbox: SeedResult) -> None:
    body = _file(client, sandbox, "many-inquiries")
    hard = [i for i in body["inquiries"] if i["kind"] == "hard"]
    assert len(hard) == 6
    assert {i["requester_name"] for i in hard} >= {"Lumen Lending", "Oakridge Property Management"}


def test_own_access_is_logged_as_a_soft_inquiry_with_an_audit_entry(
    client: TestClient, sandbox: SeedResult, database_url: str
) -> None:
    subject_id = sandbox.personas["thin-file"]["subject_id"]
    query_inquiries = "SELECT count(*) FROM inquiries WHERE subject_id = %s AND kind = 'soft'"
    query_audit = (
        "SELECT count(*) FROM audit_log WHERE subject_id = %s AND event = 'file.disclosed'"
    )
    with psycopg.connect(database_url) as conn:
        before = (conn.execute(query_inquiries, (subject_id,)).fetchone(),
                  conn.execute(query_audit, (subject_id,)).fetchone())  # fmt: skip
    body = _file(client, sandbox, "thin-file")
    with psycopg.connect(database_url) as conn:
        after = (conn.execute(query_inquiries, (subject_id,)).fetchone(),
                 conn.execute(query_audit, (subject_id,)).fetchone())  # fmt: skip
    assert before[0] is not None and before[1] is not None
    assert after == ((before[0][0] + 1,), (before[1][0] + 1,))
    assert body["inquiries"][0]["purpose"] == "consumer-disclosure"


def test_file_shows_fraud_alert_freeze_and_dispute_markers(
    client: TestClient, sandbox: SeedResult
) -> None:
    alert = _file(client, sandbox, "identity-theft-victim")["fraud_alerts"]
    assert [a["kind"] for a in alert] == ["extended"] and alert[0]["contact"]
    assert _file(client, sandbox, "frozen-file")["frozen"] is True
    assert _file(client, sandbox, "active-duty")["fraud_alerts"][0]["kind"] == "active_duty"
    disputed = [
        t for t in _file(client, sandbox, "item-under-dispute")["tradelines"] if t["disputed"]
    ]
    assert len(disputed) == 1 and disputed[0]["compliance_condition"] == "XB"


def test_no_file_persona_has_identity_but_no_items(client: TestClient, sandbox: SeedResult) -> None:
    body = _file(client, sandbox, "no-file")
    assert body["identity"]["names"] == ["Aisha Rahman Khan"]
    assert body["tradelines"] == [] and body["collections"] == [] and body["bankruptcies"] == []


def test_disclosure_without_a_subject_token_is_refused(
    client: TestClient, sandbox: SeedResult
) -> None:
    assert client.get("/v1/me/file").status_code == 401
    org_key = sandbox.org_keys["lumen"]["key"]
    assert client.get("/v1/me/file", headers=bearer(org_key)).status_code == 403


def test_subject_may_ask_for_the_national_id_truncated(
    client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["late-30"]["token"]
    full = client.get("/v1/me/file", headers=bearer(token)).json()["identity"]["national_ids"][0]
    response = client.get("/v1/me/file?truncate_national_id=true", headers=bearer(token))
    (shown,) = response.json()["identity"]["national_ids"]
    assert shown == "*****" + full[-4:] and full[:5] not in shown
