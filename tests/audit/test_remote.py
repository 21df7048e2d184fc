"""The outside checks over real HTTP: `verify-mine` and `witness` against a bureau served on
127.0.0.1, through `bureau.audit.remote`'s urllib calls (no test client in between)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from bureau.audit.remote import RemoteError, get_json
from bureau.cli import main
from bureau.sandbox.seed import SeedResult
from bureau.vault import Vault
from tests.web.browser import free_port, serving
from tests.web.conftest import Person, enrol_person


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url.replace("localhost", "127.0.0.1")


@pytest.fixture
def keys(base_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(httpx.get(base_url + "/v1/keys").text)
    return path


@pytest.fixture
def someone(pool: ConnectionPool, vault: Vault, sandbox: SeedResult, base_url: str) -> Person:
    """A subject with one entry in the log: they read their own file."""
    person = enrol_person(pool, vault, sandbox)
    httpx.get(base_url + "/v1/me/file", headers=person.headers).raise_for_status()
    return person


def test_get_json_reads_the_bureau_with_a_bearer_token(base_url: str, someone: Person) -> None:
    log = get_json(base_url, "/v1/me/access-log", someone.token, {"limit": 5, "before": None})
    assert log["entries"] and log["tree_head"]["tree_size"] >= 1


def test_get_json_names_a_refusal_an_unreachable_bureau_and_a_non_json_answer(
    base_url: str,
) -> None:
    with pytest.raises(RemoteError, match=r"/v1/me/access-log answered 401: "):
        get_json(base_url, "/v1/me/access-log", "ffs_not-a-token")
    with pytest.raises(RemoteError, match="could not be reached"):
        get_json(f"http://127.0.0.1:{free_port()}", "/v1/keys", "x", timeout=5)
    with pytest.raises(RemoteError, match="did not answer JSON"):
        get_json(base_url, "/portal/signin", "x")


def test_verify_mine_over_http_checks_every_entry_and_remembers_the_newest(
    base_url: str, keys: Path, someone: Person, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("FAIRFILE_SUBJECT_TOKEN", someone.token)
    state = tmp_path / "mine"
    assert main(["audit", "verify-mine", base_url, "--key", str(keys), "--state", str(state),
                 "--json"]) == 0  # fmt: skip
    first = json.loads(capsys.readouterr().out)
    assert first["ok"] and first["entries"] >= 1
    remembered = json.loads((state / "verify-mine.json").read_text())
    assert remembered["subject_entry"] == first["entries"]
    httpx.get(base_url + "/v1/me/file", headers=someone.headers).raise_for_status()
    assert main(["audit", "verify-mine", base_url, "--key", str(keys), "--state", str(state),
                 "--json"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["entries"] == first["entries"] + 1


def test_a_witness_over_http_keeps_heads_and_proves_each_new_one_extends_them(
    base_url: str, keys: Path, someone: Person, sandbox: SeedResult, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("FAIRFILE_API_KEY", sandbox.org_keys["auditor"]["key"])
    state = tmp_path / "witness"
    assert main(["audit", "witness", base_url, "--state", str(state), "--key", str(keys)]) == 0
    assert "(first)" in capsys.readouterr().out
    # The log grows (the subject reads their file) and a new head is owed to them.
    httpx.get(base_url + "/v1/me/file", headers=someone.headers).raise_for_status()
    httpx.get(base_url + "/v1/me/access-log", headers=someone.headers).raise_for_status()
    assert main(["audit", "witness", base_url, "--state", str(state), "--key", str(keys)]) == 0
    out = capsys.readouterr().out
    kept = json.loads((state / "heads.json").read_text())["heads"]
    assert len(kept) == 2 and f"consistent with the head of size {kept[0]['tree_size']}" in out


def test_a_witness_given_a_wrong_token_exits_2_naming_the_refusal(
    base_url: str, keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("FAIRFILE_API_KEY", "ffk_wrong")
    assert main(["audit", "witness", base_url, "--state", str(tmp_path), "--key", str(keys)]) == 2
    assert "answered 401" in capsys.readouterr().err
