"""The furnishing API: a Metro 2 upload (streamed) and JSON records, scope `furnish` only,
answered with the ingest report; refusals are problem+json naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bureau.app import create_app
from bureau.auth import repo as auth_repo
from bureau.auth.service import issue_api_key
from bureau.config import Settings
from bureau.db.pool import open_pool
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from tests.conftest import bearer
from tests.furnishing.conftest import add_furnisher
from tests.furnishing.test_admissibility import json_record

CODE = "APIFURNISHER01"


@pytest.fixture(scope="module")
def api(
    committed_url: str, session_key_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from uuid import uuid4

    with psycopg.connect(committed_url) as conn:
        org = add_furnisher(conn, CODE)
        furnish_key = issue_api_key(conn, org, ["furnish"])
        lender = uuid4()
        auth_repo.insert_organization(conn, lender, "Lender", ["user"])
        pull_key = issue_api_key(conn, lender, ["pull"])
    pool = open_pool(committed_url, max_size=2)
    settings = Settings(database_url=committed_url, data_dir=tmp_path_factory.mktemp("api"),
                        key_file=session_key_file, sandbox=True)  # fmt: skip
    with TestClient(create_app(settings, pool=pool)) as client:
        yield client, {"furnish": str(furnish_key), "pull": str(pull_key), "org": str(org)}
    pool.close()


def _tradelines(url: str, org: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM tradelines WHERE furnisher_id = %s", (org,))
        return int(row.fetchone()[0])  # type: ignore[index]


def test_a_metro2_upload_lands_and_a_resend_changes_nothing(
    api: tuple[TestClient, dict[str, str]], committed_url: str
) -> None:
    client, keys = api
    data = to_bytes(records(40, seed=31, furnisher=CODE))
    response = client.post("/v1/furnish/metro2", content=data, headers=bearer(keys["furnish"]))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["records"], report["accepted"], report["rejected"]) == (40, 40, 0)
    assert report["tradelines"]["inserted"] == 40
    assert _tradelines(committed_url, keys["org"]) == 40
    again = client.post("/v1/furnish/metro2", content=data, headers=bearer(keys["furnish"]))
    assert again.json()["duplicate"] is True and again.json()["batch_id"] == report["batch_id"]
    assert _tradelines(committed_url, keys["org"]) == 40


def test_upload_needs_the_furnish_scope(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    data = to_bytes(records(1, furnisher=CODE))
    response = client.post("/v1/furnish/metro2", content=data, headers=bearer(keys["pull"]))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.post("/v1/furnish/metro2", content=data).status_code == 401


def test_an_empty_upload_is_refused(api: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api
    response = client.post("/v1/furnish/metro2", content=b"", headers=bearer(keys["furnish"]))
    assert response.status_code == 422 and response.json()["field"] == "body"


def test_json_records_are_validated_and_land(
    api: tuple[TestClient, dict[str, str]], committed_url: str
) -> None:
    client, keys = api
    before = _tradelines(committed_url, keys["org"])
    body: dict[str, Any] = {"records": [json_record(101), json_record(102, account_status="ZZ")]}
    response = client.post("/v1/furnish/records", json=body, headers=bearer(keys["furnish"]))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["rejections"][0]["problems"][0]["field"] == "account_status"
    assert _tradelines(committed_url, keys["org"]) == before + 1


def test_an_inadmissible_json_field_is_refused_as_problem_json_and_nothing_is_stored(
    api: tuple[TestClient, dict[str, str]], committed_url: str
) -> None:
    client, keys = api
    before = _tradelines(committed_url, keys["org"])
    body = {"records": [json_record(201), json_record(202, religion="none")]}
    response = client.post("/v1/furnish/records", json=body, headers=bearer(keys["furnish"]))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/inadmissible-data")
    assert problem["field"] == "records[1].religion"
    assert _tradelines(committed_url, keys["org"]) == before


def test_a_preflight_check_lists_every_problem_and_stores_nothing(
    api: tuple[TestClient, dict[str, str]], committed_url: str
) -> None:
    client, keys = api
    items = list(records(4, seed=77, furnisher=CODE))
    data = to_bytes(items).replace(b"\n", b"\nnot metro 2\n", 1)
    before = _tradelines(committed_url, keys["org"])
    response = client.post("/v1/furnish/metro2/validate", content=data,
                           headers=bearer(keys["furnish"]))  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["records"] == 4 and body["stored"] is False and body["unreadable"] == 1
    assert [p["rule"] for p in body["problems"]] == ["M2-S01"]
    assert _tradelines(committed_url, keys["org"]) == before
    assert client.post("/v1/furnish/metro2/validate", content=data,
                       headers=bearer(keys["pull"])).status_code == 403  # fmt: skip


def test_an_upload_without_any_metro2_record_is_a_problem_not_an_empty_report(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, keys = api
    for path in ("/v1/furnish/metro2", "/v1/furnish/metro2/validate"):
        response = client.post(path, content=b"%PDF-1.7 not a metro 2 file\n",
                               headers=bearer(keys["furnish"]))  # fmt: skip
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["type"].endswith("no-metro2-records") and problem["field"] == "body"


def test_preflight_reports_what_the_columnar_validator_reports_for_a_sample(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    """The pre-flight check is the columnar validator the ingest runs: the same problems, in
    the same order, as `bureau metro2 validate` gives for the file."""
    import io

    from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
    from tests.furnishing.samples import sample

    client, keys = api
    data = sample("moov/unpacked_variable_file.dat").read_bytes()
    validator = ColumnarValidator()
    expected = [p.to_dict() for p in validator.problems(io.BytesIO(data))]
    expected += [p.to_dict() for p in validator.finish()]
    response = client.post("/v1/furnish/metro2/validate", content=data,
                           headers=bearer(keys["furnish"]))  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["problems"] == expected and body["problems_found"] == len(expected)
    assert body["records"] == validator.file.bases
