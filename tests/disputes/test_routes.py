"""The dispute API, end to end on the real app and database: the rights as a person uses them."""

from __future__ import annotations

import base64
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.api.test_documented_responses import documented
from tests.conftest import bearer
from tests.disputes.conftest import Clock, World

PROBLEM = "application/problem+json"


def file(client: TestClient, world: World, **body: Any) -> Any:
    payload = {
        "item": {"kind": "account", "id": str(world.tradeline_id), "field": "current_balance"},
        "reason": "inaccurate-balance",
        "description": "I paid the card off in October.",
    } | body
    return client.post("/v1/me/disputes", json=payload, headers=bearer(world.token))


def my_account(client: TestClient, world: World) -> dict[str, Any] | None:
    disclosure = client.get("/v1/me/file", headers=bearer(world.token)).json()
    found = [t for t in disclosure["tradelines"] if t["tradeline_id"] == str(world.tradeline_id)]
    return found[0] if found else None


def test_subject_files_a_dispute_and_the_item_shows_as_disputed(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    pdf = base64.b64encode(b"%PDF-1.4 paid in full letter").decode()
    r = file(
        client,
        world,
        documents=[
            {"filename": "paid.pdf", "content_type": "application/pdf", "content_base64": pdf}
        ],
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "forwarded"
    assert body["due_on"] == "2026-12-25" and body["forward_by"] == "2026-12-03"
    assert body["deletion_if_unverified_on"] == "2026-12-28"
    assert body["documents"][0]["filename"] == "paid.pdf"
    account = my_account(client, world)
    assert account is not None and account["disputed"] is True
    assert account["compliance_condition"] == "XB"
    doc = client.get(
        f"/v1/me/disputes/{body['dispute_id']}/documents/{body['documents'][0]['document_id']}",
        headers=bearer(world.token),
    )
    assert doc.content == b"%PDF-1.4 paid in full letter"
    listed = client.get("/v1/me/disputes", headers=bearer(world.token)).json()
    assert [d["dispute_id"] for d in listed["disputes"]] == [body["dispute_id"]]


def test_bad_input_gets_problem_json_naming_the_field(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    r = file(client, world, item={"kind": "account", "id": str(uuid4())})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["field"] == "item.id"
    r = file(client, world, reason="because")
    assert r.status_code == 422 and r.json()["field"] == "reason"
    first = file(client, world).json()
    r = file(client, world, reason="inaccurate-late")
    assert r.status_code == 409
    assert r.json()["open_dispute_id"] == first["dispute_id"]
    r = client.post(f"/v1/me/disputes/{first['dispute_id']}/statement",
                    json={"text": "too long " * 60}, headers=bearer(world.token))  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "text"
    assert r.json()["max_words"] == 100


def test_another_subject_cannot_see_or_act_on_my_dispute(
    client: TestClient, committed_world: World, clock: Clock, pool: Any, vault: Any
) -> None:
    from bureau.db.pool import transaction
    from tests.disputes.conftest import build_world

    with transaction(pool) as conn:
        stranger = build_world(conn, vault)
    mine = file(client, committed_world).json()
    for path in ("", "/statement"):
        r = (client.get if not path else client.post)(
            f"/v1/me/disputes/{mine['dispute_id']}{path}",
            **({"json": {"text": "hi"}} if path else {}), headers=bearer(stranger.token),
        )  # fmt: skip
        assert r.status_code == 404
    r = file(client, stranger, item={"kind": "account", "id": str(committed_world.tradeline_id)})
    assert r.status_code == 404


def test_furnisher_corrects_the_item_and_the_next_disclosure_shows_it(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    dispute = file(client, world).json()
    inbox = client.get("/v1/furnisher/disputes", headers=bearer(world.furnisher_key)).json()
    [acdv] = [d for d in inbox["disputes"] if d["dispute_id"] == dispute["dispute_id"]]
    assert acdv["item"]["account_number"] == world.account_number
    assert acdv["item"]["field"] == "current_balance"
    assert "modified" in acdv["response_codes"]

    other = client.post(f"/v1/furnisher/disputes/{dispute['dispute_id']}/response",
                        json={"code": "deleted"}, headers=bearer(world.other_key))  # fmt: skip
    assert other.status_code == 403

    clock.set(clock.now.replace(day=30))
    r = client.post(f"/v1/furnisher/disputes/{dispute['dispute_id']}/response",
                    json={"code": "modified", "corrected_fields": {"current_balance": 0}},
                    headers=bearer(world.furnisher_key))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "closed" and r.json()["result"] == "modified"
    account = my_account(client, world)
    assert account is not None
    assert account["current_balance"] == 0 and account["disputed"] is False

    statement = "The balance was paid in October; I keep the receipt."
    r = client.post(f"/v1/me/disputes/{dispute['dispute_id']}/statement",
                    json={"text": statement}, headers=bearer(world.token))  # fmt: skip
    assert r.status_code == 200 and r.json()["has_statement"] is True
    disclosure = client.get("/v1/me/file", headers=bearer(world.token)).json()
    [shown] = disclosure["statements"]
    assert (shown["item_kind"], shown["item_id"], shown["text"]) == (
        "tradeline", str(world.tradeline_id), statement)  # fmt: skip
    assert my_account(client, world)["compliance_condition"] == "XC"  # type: ignore[index]

    again = client.post(
        f"/v1/furnisher/disputes/{dispute['dispute_id']}/response",
        json={"code": "verified"},
        headers=bearer(world.furnisher_key),
    )
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM

    notices = client.get("/v1/me/disputes/notices", headers=bearer(world.token)).json()
    [results] = [n for n in notices["notices"] if n["dispute_id"] == dispute["dispute_id"]]
    assert results["kind"] == "dispute-results" and results["due_by"] == "2026-12-07"
    letter = client.get(f"/v1/me/disputes/notices/{results['notice_id']}?format=html",
                        headers=bearer(world.token))  # fmt: skip
    assert letter.headers["content-type"].startswith("text/html")
    assert "The results of your dispute" in letter.text and "current_balance" in letter.text
    as_json = documented(client, "get", "/v1/me/disputes/notices/{notice_id}", client.get(
        f"/v1/me/disputes/notices/{results['notice_id']}", headers=bearer(world.token)))  # fmt: skip
    assert as_json["body"]["changes"]["current_balance"] == {"before": 1200, "after": 0}


def test_past_recipients_are_told_on_request_and_see_the_notice(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    dispute = file(
        client, world, reason="not-mine", item={"kind": "account", "id": str(world.tradeline_id)}
    ).json()
    client.post(
        f"/v1/furnisher/disputes/{dispute['dispute_id']}/response",
        json={"code": "not_theirs"},
        headers=bearer(world.furnisher_key),
    )
    r = client.post(f"/v1/me/disputes/{dispute['dispute_id']}/notify-recipients",
                    headers=bearer(world.token))  # fmt: skip
    assert r.status_code == 200, r.text
    told = {n["org_id"] for n in r.json()["notified"]}
    assert told == {str(world.users[n]) for n in ("recent-lender", "landlord", "employer")}
    seen = client.get("/v1/org/dispute-notices", headers=bearer(world.user_keys["employer"]))
    [notice] = seen.json()["notices"]
    assert notice["kind"] == "dispute-correction"
    letter = client.get(f"/v1/org/dispute-notices/{notice['notice_id']}?format=html",
                        headers=bearer(world.user_keys["employer"]))  # fmt: skip
    assert "Correction of a consumer report" in letter.text
    as_json = client.get(f"/v1/org/dispute-notices/{notice['notice_id']}",
                         headers=bearer(world.user_keys["employer"]))  # fmt: skip
    documented(client, "get", "/v1/org/dispute-notices/{notice_id}", as_json)
    assert client.get("/v1/org/dispute-notices",
                      headers=bearer(world.user_keys["old-lender"])).json()["notices"] == []  # fmt: skip
    again = client.post(f"/v1/me/disputes/{dispute['dispute_id']}/notify-recipients",
                        headers=bearer(world.token))  # fmt: skip
    assert again.status_code == 409


def test_more_information_moves_the_deadline_to_45_days(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    dispute = file(client, world).json()
    clock.advance(days=10)
    r = client.post(f"/v1/me/disputes/{dispute['dispute_id']}/information",
                    json={"text": "The bank's letter confirms it."},
                    headers=bearer(world.token))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["due_on"] == "2027-01-09" and r.json()["extended"] is True
    [acdv] = [d for d in client.get("/v1/furnisher/disputes",
                                    headers=bearer(world.furnisher_key)).json()["disputes"]
              if d["dispute_id"] == dispute["dispute_id"]]  # fmt: skip
    assert acdv["due_on"] == "2027-01-09"
    assert [d["content_type"] for d in acdv["documents"]] == ["text/plain"]


def test_reasons_are_listed_for_the_form(client: TestClient, committed_world: World) -> None:
    r = client.get("/v1/me/disputes/reasons", headers=bearer(committed_world.token)).json()
    codes = {x["code"]: x for x in r["reasons"]}
    assert "account" in codes["not-mine"]["items"]
    assert "current_balance" in r["fields"]["account"]


def test_only_furnish_keys_open_the_furnisher_inbox(
    client: TestClient, committed_world: World
) -> None:
    r = client.get("/v1/furnisher/disputes", headers=bearer(committed_world.user_keys["landlord"]))
    assert r.status_code == 403
    assert client.get("/v1/furnisher/disputes").status_code == 401
