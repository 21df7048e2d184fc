"""Every list of the API pages the same way: `limit`, an opaque `cursor`, and `next_cursor`
(null on the last page). Walking a list one item at a time yields each item once, in the order
of the whole list."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer

# (path, credential: a sandbox org slug or "persona:<slug>", the list's key, an item's id)
LISTS = [
    ("/v1/me/consents?all=true", "persona:thin-file", "grants", "grant_id"),
    ("/v1/me/disputes", "persona:item-under-dispute", "disputes", "dispute_id"),
    ("/v1/me/disputes/notices", "persona:item-under-dispute", "notices", "notice_id"),
    ("/v1/me/notices", "persona:item-under-dispute", "notices", "notice_id"),
    ("/v1/me/access-log", "persona:thin-file", "entries", "entry_id"),
    ("/v1/furnisher/disputes?state=all", "northwind", "disputes", "dispute_id"),
    ("/v1/operator/disputes?state=all", "operator", "disputes", "dispute_id"),
    ("/v1/org/dispute-notices", "northwind", "notices", "notice_id"),
    ("/v1/org/notices", "northwind", "notices", "notice_id"),
    ("/v1/webhooks/deliveries", "northwind", "deliveries", "message_id"),
    ("/v1/grants", "lumen", "grants", "grant_id"),
    ("/v1/operator/organizations", "operator", "organizations", "org_id"),
]


def _headers(sandbox: SeedResult, who: str) -> dict[str, str]:
    if who.startswith("persona:"):
        return bearer(sandbox.personas[who.split(":", 1)[1]]["token"])
    return bearer(sandbox.org_keys[who]["key"])


def _get(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, (path, response.text)
    return response.json()


@pytest.mark.parametrize(("path", "who", "key", "item_id"), LISTS)
def test_walking_a_list_one_item_at_a_time_yields_each_item_once_in_order(
    client: TestClient, sandbox: SeedResult, path: str, who: str, key: str, item_id: str
) -> None:
    headers = _headers(sandbox, who)
    whole = _get(client, path, headers, limit=200)
    assert whole["page"]["next_cursor"] is None or len(whole[key]) == 200
    walked: list[Any] = []
    cursor = None
    for _ in range(len(whole[key]) + 1):
        page = _get(client, path, headers, limit=1, **({"cursor": cursor} if cursor else {}))
        assert len(page[key]) <= 1
        walked += [item[item_id] for item in page[key]]
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert walked == [item[item_id] for item in whole[key]]


@pytest.mark.parametrize(("path", "who", "key", "item_id"), LISTS)
def test_a_list_refuses_a_cursor_it_never_returned_and_a_limit_out_of_range(
    client: TestClient, sandbox: SeedResult, path: str, who: str, key: str, item_id: str
) -> None:
    headers = _headers(sandbox, who)
    for params in ({"cursor": "bm90LWEtY3Vyc29y"}, {"limit": 0}, {"limit": 100_000}):
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, params)
        assert response.json()["field"] == next(iter(params))
