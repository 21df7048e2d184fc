"""A dispute's notices, as JSON, are what /openapi.json documents for them (the routes answer
JSON or an HTML letter, so FastAPI does not validate them; tests/api/test_documented_responses.py
lists every such route)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_documented_responses import documented
from tests.conftest import bearer
from tests.disputes.conftest import Clock, World
from tests.disputes.test_routes import file


def test_the_subjects_and_a_past_recipients_dispute_notices_are_as_documented(
    client: TestClient, committed_world: World, clock: Clock
) -> None:
    world = committed_world
    dispute = file(
        client, world, reason="not-mine", item={"kind": "account", "id": str(world.tradeline_id)}
    ).json()
    answered = client.post(f"/v1/furnisher/disputes/{dispute['dispute_id']}/response",
                           json={"code": "not_theirs"}, headers=bearer(world.furnisher_key))  # fmt: skip
    assert answered.status_code == 200, answered.text
    told = client.post(f"/v1/me/disputes/{dispute['dispute_id']}/notify-recipients",
                       headers=bearer(world.token))  # fmt: skip
    assert told.status_code == 200, told.text

    mine = client.get("/v1/me/disputes/notices", headers=bearer(world.token)).json()["notices"]
    assert mine
    for notice in mine:
        one = client.get(f"/v1/me/disputes/notices/{notice['notice_id']}",
                         headers=bearer(world.token))  # fmt: skip
        documented(client, "get", "/v1/me/disputes/notices/{notice_id}", one)
    employer = bearer(world.user_keys["employer"])
    [sent] = client.get("/v1/org/dispute-notices", headers=employer).json()["notices"]
    one = client.get(f"/v1/org/dispute-notices/{sent['notice_id']}", headers=employer)
    assert documented(client, "get", "/v1/org/dispute-notices/{notice_id}", one)["kind"] == (
        "dispute-correction"
    )
