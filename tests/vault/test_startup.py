"""A bureau starts (served, or a command) only with a key file that can read its database's
data keys."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient

from bureau.app import create_app
from bureau.config import Settings
from bureau.vault import Vault
from bureau.vault.vault import VaultError


def _settings(database_url: str, key_file: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=key_file.parent, key_file=key_file)


def _subject_under(database_url: str, key_file: Path) -> None:
    with psycopg.connect(database_url) as conn, conn.transaction():
        Vault.from_key_file(key_file).new_subject(conn, uuid4())


def test_a_missing_key_file_does_not_start_a_bureau_that_cannot_read_its_data(
    own_database: str, tmp_path: Path
) -> None:
    _subject_under(own_database, tmp_path / "bureau" / "master.key")
    wrong = tmp_path / "typo" / "master.key"  # does not exist: would be created afresh
    app = create_app(_settings(own_database, wrong))
    with (
        pytest.raises(VaultError, match="cannot unwrap this database's data keys") as refused,
        TestClient(app),
    ):
        pass
    assert str(wrong) in str(refused.value)
    assert "FAIRFILE_KEY_FILE" in str(refused.value)


def test_the_bureaus_own_key_file_starts_it(own_database: str, tmp_path: Path) -> None:
    key_file = tmp_path / "bureau" / "master.key"
    _subject_under(own_database, key_file)
    with TestClient(create_app(_settings(own_database, key_file))) as client:
        assert client.get("/health").status_code == 200


def test_an_empty_database_starts_with_a_new_key_file(own_database: str, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(own_database, tmp_path / "new" / "master.key"))) as c:
        assert c.get("/health").status_code == 200


def test_a_command_refuses_a_key_file_that_cannot_read_the_database(
    own_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bureau.cli import main

    _subject_under(own_database, tmp_path / "bureau" / "master.key")
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(tmp_path / "typo" / "master.key"))
    assert main(["subjects", "shred-due"]) == 2
    assert "FAIRFILE_KEY_FILE" in capsys.readouterr().err
