"""A database that holds data but records no key fingerprints is adopted explicitly, and only
by a key file its data proves: nothing records keys on a start (no trust on first use)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from bureau.app import create_app
from bureau.cli import main
from bureau.config import Settings
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault, VaultError
from bureau.vault.keyring import KeyRing
from tests.conftest import random_national_id
from tests.vault.key_files import with_other_blind_index_key, written_key_file


def _bureau_with_subjects(url: str, key_file: Path, subjects: int = 3) -> None:
    """A bureau `bureau init` made, with enrolled subjects (identity facts blind-indexed)."""
    with psycopg.connect(url) as conn, conn.transaction():
        vault = Vault.initialise(key_file, conn)
        for n in range(subjects):
            enrol(conn, vault, IdentityClaim(f"Subject {n}", random_national_id(),
                                             date(1980, 1, 1 + n)))  # fmt: skip
    SigningKey.load_or_create(signing_key_file(key_file))


@pytest.fixture
def key_file(own_database: str, tmp_path: Path) -> Path:
    """The key file of a bureau with subjects whose database records no fingerprint: one from
    before fingerprints were kept (or one an attacker with DELETE rights emptied)."""
    path = tmp_path / "bureau" / "master.key"
    _bureau_with_subjects(own_database, path)
    with psycopg.connect(own_database) as conn:
        conn.execute("DELETE FROM vault_key_fingerprints")
    return path


def _fingerprints(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM vault_key_fingerprints").fetchone()
    return int(row[0]) if row else 0


def _cli(url: str, key_file: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    return main(list(argv))


def test_a_start_never_records_keys_for_a_database_that_holds_data(
    own_database: str, key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    settings = Settings(database_url=own_database, data_dir=key_file.parent, key_file=key_file)
    with pytest.raises(VaultError, match="`bureau keys adopt`"), TestClient(create_app(settings)):
        pass
    assert _cli(own_database, key_file, monkeypatch, "subjects", "shred-due") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "FAIRFILE_KEY_FILE" in err and "keys adopt" in err
    assert _cli(own_database, key_file, monkeypatch, "init") == 2  # init adopts nothing either
    assert "keys adopt" in capsys.readouterr().err
    assert _fingerprints(own_database) == 0


def test_another_blind_index_key_is_refused_by_adoption_and_then_at_every_start(
    own_database: str, key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    mixed = with_other_blind_index_key(key_file, tmp_path / "mixed" / "master.key")
    assert _cli(own_database, mixed, monkeypatch, "keys", "adopt") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "another blind-index key" in err
    assert "FAIRFILE_KEY_FILE" in err and _fingerprints(own_database) == 0

    assert _cli(own_database, key_file, monkeypatch, "keys", "adopt") == 0
    out, err = capsys.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["blind_indexes_reproduced"] == 3
    assert "3 stored blind index(es) reproduced" in err
    assert _fingerprints(own_database) == 2  # the blind-index key and the master key
    assert _cli(own_database, mixed, monkeypatch, "subjects", "shred-due") == 2
    assert "another blind-index key" in capsys.readouterr().err
    assert _cli(own_database, key_file, monkeypatch, "subjects", "shred-due") == 0
    assert _cli(own_database, key_file, monkeypatch, "keys", "adopt") == 2  # nothing to adopt
    assert "already records" in capsys.readouterr().err


def test_adoption_refuses_a_key_file_whose_master_key_unwraps_nothing(
    own_database: str, key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    doc = json.loads(key_file.read_text())
    other = json.loads(KeyRing.generate().to_json())
    doc["keks"] = {doc["active_kek"]: next(iter(other["keks"].values()))}  # same id, other key
    forged = written_key_file(tmp_path / "forged" / "master.key", doc)
    assert _cli(own_database, forged, monkeypatch, "keys", "adopt") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"under master key {doc['active_kek']}" in err
    assert _fingerprints(own_database) == 0


def test_a_new_database_is_recorded_by_init_not_by_a_start(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key_file = tmp_path / "new" / "master.key"
    with psycopg.connect(own_database) as conn:
        Vault.from_key_file(key_file)  # a key file exists, the database is new
        with pytest.raises(VaultError, match="record it with `bureau init`"):
            Vault.for_database(key_file, conn)
    assert _cli(own_database, key_file, monkeypatch, "subjects", "shred-due") == 2
    assert "bureau init" in capsys.readouterr().err and _fingerprints(own_database) == 0
    assert _cli(own_database, key_file, monkeypatch, "init") == 0
    assert _fingerprints(own_database) == 2
    assert _cli(own_database, key_file, monkeypatch, "subjects", "shred-due") == 0
