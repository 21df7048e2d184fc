"""The subject's score over the API, on the seeded sandbox personas."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bureau.sandbox.seed import SeedResult
from tests.conftest import bearer


def _score(client: TestClient, sandbox: SeedResult, slug: str) -> dict[str, Any]:
    response = client.get("/v1/me/score", headers=bearer(sandbox.personas[slug]["token"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_persona_score_recomputes_from_the_disclosed_points_alone(
    client: TestClient, sandbox: SeedResult
) -> None:
    scored = 0
    for slug in sandbox.personas:
        body = _score(client, sandbox, slug)
        assert body["version"] == "fairfile-fin-2"
        if not body["scorable"]:
            assert body["score"] is None and body["unscorable_reason"]
            continue
        scored += 1
        points = [a["points"] for a in body["attributes"]]
        assert body["score"] == body["base"] + sum(points)
        assert all(0 <= a["points"] <= a["max_points"] for a in body["attributes"])
        lost = [r["points_lost"] for r in body["reasons"] if r["rank"] <= 4]
        assert lost == sorted(lost, reverse=True)
    assert scored >= 20


def test_maxed_out_cards_score_below_a_long_prime_history(
    client: TestClient, sandbox: SeedResult
) -> None:
    maxed = _score(client, sandbox, "maxed-out-cards")
    prime = _score(client, sandbox, "prime-long-history")
    assert maxed["score"] < prime["score"]
    assert maxed["reasons"][0]["code"] == "A01"  # utilisation is what costs the most


def test_sixty_days_past_due_now_scores_below_one_thirty_day_late_four_months_ago(
    client: TestClient, sandbox: SeedResult
) -> None:
    now = _score(client, sandbox, "late-60")  # auto loan 60 days past due today
    cured = _score(client, sandbox, "late-30")  # one 30-day late four months ago, current since
    assert now["score"] < cured["score"]
    assert now["reasons"][0]["code"] == "P07"


def test_an_obsolete_bankruptcy_and_collection_never_reach_the_score(
    client: TestClient, sandbox: SeedResult
) -> None:
    for slug, attribute in [
        ("bankruptcy-over-10-years", "months_since_bankruptcy"),
        ("obsolete-collection", "collections"),
    ]:
        body = _score(client, sandbox, slug)
        item = next(a for a in body["attributes"] if a["attribute"] == attribute)
        assert item["points"] == item["max_points"]
    recent = _score(client, sandbox, "bankruptcy-recent")
    assert "P06" in {r["code"] for r in recent["reasons"]}


def test_a_person_with_no_file_is_told_there_is_nothing_to_score(
    client: TestClient, sandbox: SeedResult
) -> None:
    body = _score(client, sandbox, "no-file")
    assert body["scorable"] is False and body["score"] is None


def test_what_if_paying_down_the_cards_raises_the_score(
    client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["maxed-out-cards"]["token"]
    file = client.get("/v1/me/file", headers=bearer(token)).json()
    cards = [t for t in file["tradelines"] if t["portfolio_type"] == "R"]
    changes = [{"kind": "pay_down", "tradeline_id": t["tradeline_id"], "balance": 0} for t in cards]
    response = client.post("/v1/me/score/what-if", json={"changes": changes}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["score_after"]
        > body["score_before"]
        == _score(client, sandbox, "maxed-out-cards")["score"]
    )
    moved = {m["attribute"]: m for m in body["movements"] if m["change"]}
    assert moved["revolving_utilisation"]["value_after"] == 0
    assert body["after"]["score"] == body["after"]["base"] + sum(
        a["points"] for a in body["after"]["attributes"]
    )


def test_what_if_with_an_account_not_in_the_file_names_the_field(
    client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["maxed-out-cards"]["token"]
    other = client.get(
        "/v1/me/file", headers=bearer(sandbox.personas["prime-long-history"]["token"])
    ).json()["tradelines"][0]["tradeline_id"]
    response = client.post(
        "/v1/me/score/what-if",
        json={"changes": [{"kind": "close", "tradeline_id": other}]},
        headers=bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "changes[0].tradeline_id"
    bad = client.post(
        "/v1/me/score/what-if",
        json={"changes": [{"kind": "on_time", "months": -1}]},
        headers=bearer(token),
    )
    assert bad.status_code == 422
    assert bad.json()["field"].startswith("changes.0")


def test_reading_my_score_or_a_what_if_is_logged_as_a_soft_inquiry_with_an_audit_entry(
    client: TestClient, sandbox: SeedResult, pool: ConnectionPool
) -> None:
    persona = sandbox.personas["late-30"]

    def counts() -> tuple[int, int]:
        with pool.connection() as conn:
            inquiries = (
                conn.cursor(row_factory=dict_row)
                .execute(
                    "SELECT count(*) AS n FROM inquiries WHERE subject_id = %s AND kind = 'soft'",
                    (persona["subject_id"],),
                )
                .fetchone()
            )
            entries = (
                conn.cursor(row_factory=dict_row)
                .execute(
                    "SELECT count(*) AS n FROM audit_log WHERE subject_id = %s AND event = 'score.disclosed'",
                    (persona["subject_id"],),
                )
                .fetchone()
            )
        assert inquiries is not None and entries is not None
        return inquiries["n"], entries["n"]

    before = counts()
    _score(client, sandbox, "late-30")
    assert counts() == (before[0] + 1, before[1] + 1)
    with pool.connection() as conn:
        what_ifs_before = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM audit_log WHERE subject_id = %s AND event = 'score.what-if'",
                (persona["subject_id"],),
            )
            .fetchone()
        )
    response = client.post(
        "/v1/me/score/what-if",
        json={"changes": [{"kind": "on_time", "months": 12}]},
        headers=bearer(persona["token"]),
    )
    assert response.status_code == 200 and response.json()["change"] > 0  # the late fades
    with pool.connection() as conn:
        what_ifs = (
            conn.cursor(row_factory=dict_row)
            .execute(
                "SELECT count(*) AS n FROM audit_log WHERE subject_id = %s AND event = 'score.what-if'",
                (persona["subject_id"],),
            )
            .fetchone()
        )
    assert what_ifs is not None and what_ifs_before is not None
    assert what_ifs["n"] == what_ifs_before["n"] + 1
    assert counts()[0] == before[0] + 2  # the what-if read the file too: one more soft inquiry


def test_the_score_is_only_for_its_subject(client: TestClient, sandbox: SeedResult) -> None:
    assert client.get("/v1/me/score").status_code == 401
    org = sandbox.org_keys["lumen"]["key"]
    assert client.get("/v1/me/score", headers=bearer(org)).status_code == 403


def test_the_full_disclosure_carries_the_same_score_with_its_points(
    client: TestClient, sandbox: SeedResult
) -> None:
    token = sandbox.personas["late-60"]["token"]
    disclosed = client.get("/v1/me/file", headers=bearer(token)).json()["score"]
    assert disclosed == _score(client, sandbox, "late-60")
