"""The outside checks over real HTTP: `verify-mine` and `witness` against a bureau served on
127.0.0.1, through `bureau.audit.remote`'s urllib calls (no test client in between)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
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


def test_verify_mine_checks_the_map_position_of_the_id_the_subject_knows(
    base_url: str, keys: Path, someone: Person, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("FAIRFILE_SUBJECT_TOKEN", someone.token)
    mine = ["audit", "verify-mine", base_url, "--key", str(keys), "--json"]
    assert main([*mine, "--subject-id", str(someone.subject_id)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]
    other = uuid4()  # as if the bureau answered for another id than the one the subject holds
    assert main([*mine, "--subject-id", str(other)]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any(f"is for subject {someone.subject_id}, not for you ({other})" in p
               for p in problems)  # fmt: skip
    state = tmp_path / "mine"
    assert main([*mine, "--state", str(state)]) == 0  # the id is kept for later runs
    capsys.readouterr()
    assert json.loads((state / "verify-mine.json").read_text())["subject_id"] == str(
        someone.subject_id
    )


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


_LOG_TABLES = ("audit_log", "audit_log_head", "audit_tree_nodes", "audit_tree_heads",
               "audit_subject_tips", "audit_subject_map_nodes")  # fmt: skip
"""The whole log state: entries, the sequencer's head row (checkpoint), the tree's nodes, the
published heads, the subjects' tips and the subject map."""


@contextmanager
def copies_of_the_log(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """An admin connection on which `_copy`/`_restore` keep and put back whole log states; the
    newest state (copied as `log_newer` before any rollback) is put back on the way out,
    whatever happened, so the session's log goes on as it was."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        try:
            yield admin
        finally:
            kept = admin.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'log_newer'")
            if kept.fetchone() is not None:
                _restore(admin, "log_newer")
            for schema in ("log_older", "log_newer"):
                admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _copy(admin: psycopg.Connection[Any], schema: str) -> None:
    admin.execute(f"CREATE SCHEMA {schema}")
    for table in _LOG_TABLES:
        admin.execute(f"CREATE TABLE {schema}.{table} AS TABLE public.{table}")


def _restore(admin: psycopg.Connection[Any], schema: str) -> None:
    """As an attacker with the database would: triggers off, every row replaced."""
    with admin.transaction():
        admin.execute("SET LOCAL session_replication_role = replica")
        for table in _LOG_TABLES:
            admin.execute(f"DELETE FROM public.{table}")
            admin.execute(f"INSERT INTO public.{table} OVERRIDING SYSTEM VALUE "
                          f"SELECT * FROM {schema}.{table}")  # fmt: skip


def test_a_rollback_of_the_whole_log_is_named_by_a_witness_and_the_subject_not_by_verify(
    base_url: str, keys: Path, someone: Person, sandbox: SeedResult, database_url: str,
    session_key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("FAIRFILE_SUBJECT_TOKEN", someone.token)
    monkeypatch.setenv("FAIRFILE_API_KEY", sandbox.org_keys["auditor"]["key"])
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))
    mine = ["audit", "verify-mine", base_url, "--key", str(keys), "--state", str(tmp_path / "m")]
    watch = ["audit", "witness", base_url, "--key", str(keys), "--state", str(tmp_path / "w")]
    assert main(mine) == 0  # every entry numbered, and a head signed that covers theirs
    with copies_of_the_log(database_url) as admin:
        _copy(admin, "log_older")  # an older, validly signed state of the whole log
        httpx.get(base_url + "/v1/me/file", headers=someone.headers).raise_for_status()
        assert main(mine) == 0 and main(watch) == 0  # both see the newer log, and keep it
        capsys.readouterr()

        _copy(admin, "log_newer")
        _restore(admin, "log_older")
        assert main(["audit", "verify"]) == 0  # nothing stored disagrees with anything else
        assert capsys.readouterr().out.startswith("OK: ")
        assert main(watch) == 1
        assert "INCONSISTENT: the log shrank: the bureau now signs size" in capsys.readouterr().err
        assert main(mine) == 1
        err = capsys.readouterr().err
        assert "the bureau's signed log shrank from" in err and "is no longer shown" in err
    assert main(["audit", "verify"]) == 0 and main(mine) == 0  # the newer log is back
