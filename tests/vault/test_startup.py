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
from bureau.signing import SigningKey, SigningKeyRefused, signing_key_file
from bureau.subjects.creation import open_file
from bureau.vault import Vault
from bureau.vault.vault import VaultError
from tests.vault.key_files import with_other_blind_index_key, written_key_file


def _settings(database_url: str, key_file: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=key_file.parent, key_file=key_file)


def _signing_key_beside(key_file: Path) -> None:
    """The signing key `bureau init` would have made next to the key file."""
    SigningKey.load_or_create(signing_key_file(key_file))


def _subject_under(database_url: str, key_file: Path) -> None:
    """A bureau `bureau init` made (its key file recorded) with one subject in it."""
    with psycopg.connect(database_url) as conn, conn.transaction():
        open_file(conn, Vault.initialise(key_file, conn), uuid4())


def test_a_missing_key_file_does_not_start_a_bureau_that_cannot_read_its_data(
    own_database: str, tmp_path: Path
) -> None:
    _subject_under(own_database, tmp_path / "bureau" / "master.key")
    wrong = tmp_path / "typo" / "master.key"  # does not exist: would be created afresh
    _signing_key_beside(wrong)
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
    _signing_key_beside(key_file)
    with TestClient(create_app(_settings(own_database, key_file))) as client:
        assert client.get("/health").status_code == 200


def test_serving_creates_no_key_even_for_an_empty_database(
    own_database: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "new" / "master.key"
    with pytest.raises(SigningKeyRefused, match=r"does not exist.*bureau init") as refused:
        create_app(_settings(own_database, key_file))
    assert str(signing_key_file(key_file)) in str(refused.value)
    _signing_key_beside(key_file)
    with (
        pytest.raises(
            VaultError, match="does not exist; create the bureau's keys with `bureau init`"
        ),
        TestClient(create_app(_settings(own_database, key_file))),
    ):
        pass
    assert not key_file.exists()


def test_bureau_init_makes_the_keys_a_served_bureau_then_starts_with(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bureau.cli import main

    key_file = tmp_path / "new" / "master.key"
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "created" in out and "kept" not in out
    for made in (key_file, signing_key_file(key_file)):
        assert made.stat().st_mode & 0o077 == 0
    assert main(["init"]) == 0  # again: checked and kept, nothing replaced
    assert capsys.readouterr().out.count("kept") == 2
    with TestClient(create_app(_settings(own_database, key_file))) as client:
        assert client.get("/health").status_code == 200


def test_bureau_serve_without_keys_is_refused_with_one_line(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bureau.cli import main

    key_file = tmp_path / "none" / "master.key"
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    assert main(["serve", "--port", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(key_file) in err and "bureau init" in err
    assert not key_file.exists() and not signing_key_file(key_file).exists()


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


def _refused_with_one_line(
    own_database: str, key_file: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:  # fmt: skip
    from bureau.cli import main

    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    assert main(["subjects", "shred-due"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "FAIRFILE_KEY_FILE" in err
    return err


def test_a_key_file_with_another_blind_index_key_is_refused_at_start(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key_file = tmp_path / "bureau" / "master.key"
    _subject_under(own_database, key_file)
    mixed = with_other_blind_index_key(key_file, tmp_path / "mixed" / "master.key")
    err = _refused_with_one_line(own_database, mixed, monkeypatch, capsys)
    assert "another blind-index key" in err
    with (
        pytest.raises(VaultError, match="another blind-index key"),
        TestClient(create_app(_settings(own_database, mixed))),
    ):
        pass


def test_a_missing_key_file_next_to_a_database_is_not_created(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _subject_under(own_database, tmp_path / "bureau" / "master.key")
    missing = tmp_path / "typo" / "master.key"
    err = _refused_with_one_line(own_database, missing, monkeypatch, capsys)
    assert "does not exist" in err
    assert not missing.exists()


def test_a_world_readable_or_malformed_signing_key_is_refused_with_one_line(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bureau.cli import main

    key_file = tmp_path / "bureau" / "master.key"
    _subject_under(own_database, key_file)
    signing = key_file.with_name("signing.key")
    SigningKey.load_or_create(signing)
    signing.chmod(0o644)
    with pytest.raises(SigningKeyRefused, match="accessible by group or others"):
        create_app(_settings(own_database, key_file))
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "chmod 600" in err
    signing.write_text("not a key")
    signing.chmod(0o600)
    assert main(["audit", "verify"]) == 2
    assert "not a PEM private key" in capsys.readouterr().err
    signing.unlink()
    assert main(["audit", "verify"]) == 2  # verify never creates a signing key
    assert "does not exist" in capsys.readouterr().err and not signing.exists()
    key_file.write_text("{broken")
    assert main(["subjects", "shred-due"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "malformed key file" in err


def test_a_key_file_lacking_a_recorded_master_key_or_adding_one_is_refused_at_start(
    own_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import json

    from bureau.vault.keyring import KeyRing

    key_file = tmp_path / "bureau" / "master.key"
    _subject_under(own_database, key_file)
    doc = json.loads(key_file.read_text())
    extra = KeyRing.generate()
    added = dict(doc, keks={**doc["keks"], extra.active_kek_id: json.loads(extra.to_json())[
        "keks"][extra.active_kek_id]})  # fmt: skip
    lacking = dict(added, active_kek=extra.active_kek_id, keks={
        extra.active_kek_id: added["keks"][extra.active_kek_id]})  # fmt: skip
    for name, content, reason in (
        ("added", added, f"holds master key {extra.active_kek_id}, which this database never"),
        ("lacking", lacking, f"lacks master key {doc['active_kek']}"),
    ):
        path = written_key_file(tmp_path / name / "master.key", content)
        assert reason in _refused_with_one_line(own_database, path, monkeypatch, capsys)
        with (
            pytest.raises(VaultError, match=reason),
            TestClient(create_app(_settings(own_database, path))),
        ):
            pass
    with psycopg.connect(own_database) as conn:
        row = conn.execute("SELECT count(*) FROM vault_key_fingerprints").fetchone()
    assert row is not None and row[0] == 2  # a start recorded neither
