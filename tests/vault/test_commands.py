"""`bureau vault keys | rotate-master-key | retire-master-key`, run as an operator would."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from bureau.cli import main
from bureau.subjects.creation import open_files
from bureau.vault import Vault
from bureau.vault.keyring import load
from bureau.vault.rotation import rotate_master_key


@pytest.fixture
def operator_env(own_database: str, key_file: Path, monkeypatch: pytest.MonkeyPatch) -> Vault:
    """The environment an operator's shell has, and a bureau with five subjects in it."""
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    with psycopg.connect(own_database) as conn:
        vault = Vault.initialise(key_file, conn)  # as `bureau init` makes it
        open_files(conn, vault, [uuid4() for _ in range(5)])
    return vault


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["vault", *argv])
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return code, json.loads(lines[-1]) if lines else None, err


def test_rotate_then_retire_from_the_command_line(
    operator_env: Vault, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = operator_env.active_kek_id

    code, rotation, err = run(capsys, "rotate-master-key", "--batch-size", "2")
    assert code == 0 and rotation["created"] and rotation["rewrapped"] == 5
    new = rotation["active_kek_id"]
    assert "retire with `bureau vault retire-master-key KEY_ID`" in err and old in err

    code, listing, _ = run(capsys, "keys")
    assert code == 0
    assert {(k["kek_id"], k["state"], k["data_keys"]) for k in listing["master_keys"]} == {
        (old, "previous", 0),
        (new, "active", 5),
    }

    code, retired, err = run(capsys, "retire-master-key", old)
    assert code == 0 and retired == {"retired": old}
    code, listing, _ = run(capsys, "keys")
    assert {(k["kek_id"], k["state"]) for k in listing["master_keys"]} == {
        (old, "retired"),
        (new, "active"),
    }
    assert list(load(key_file).keks) == [new]


def test_retire_refusal_names_how_many_data_keys_remain_and_a_rerun_finishes(
    operator_env: Vault, own_database: str, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = operator_env.active_kek_id
    code, out, err = run(capsys, "retire-master-key", old)
    assert code == 1 and out is None and "is the active one" in err

    def stop(n: int) -> None:
        raise KeyboardInterrupt  # the operator pressed ^C after the first batch

    with pytest.raises(KeyboardInterrupt):
        rotate_master_key(own_database, key_file, batch_size=2, on_batch=stop)
    code, out, err = run(capsys, "retire-master-key", old)
    assert code == 1 and out is None
    assert f"3 data key(s) are still wrapped under master key {old}" in err
    assert "bureau vault rotate-master-key" in err

    code, rotation, err = run(capsys, "rotate-master-key", "--batch-size", "2")
    assert code == 0 and not rotation["created"] and rotation["rewrapped"] == 3
    assert "finished the interrupted rotation" in err
    assert run(capsys, "retire-master-key", old)[0] == 0
    code, out, err = run(capsys, "retire-master-key", "kek-unknown")
    assert code == 1 and "holds no master key kek-unknown" in err


def test_rotate_takes_a_given_key_from_a_private_file_only(
    operator_env: Vault, key_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = tmp_path / "new.key"
    given.write_text(base64.b64encode(bytes(range(7, 39))).decode() + "\n")
    given.chmod(0o644)
    code, out, err = run(capsys, "rotate-master-key", "--new-key", str(given), "--key-id", "kek-b")
    assert code == 1 and out is None and "chmod 600" in err
    assert load(key_file).active_kek_id == operator_env.active_kek_id  # nothing changed

    given.chmod(0o600)
    code, rotation, _ = run(
        capsys, "rotate-master-key", "--new-key", str(given), "--key-id", "kek-b"
    )
    assert code == 0 and rotation["active_kek_id"] == "kek-b" and rotation["rewrapped"] == 5
    assert load(key_file).active_kek == bytes(range(7, 39))

    code, out, err = run(capsys, "rotate-master-key", "--key-id", "kek-b")
    assert code == 1 and "already used" in err


def test_rotate_reads_a_given_key_from_stdin_and_refuses_a_wrong_length(
    operator_env: Vault,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(base64.b64encode(bytes(16)).decode()))
    code, out, err = run(capsys, "rotate-master-key", "--new-key", "-")
    assert code == 1 and out is None and "32 bytes, this one is 16" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(base64.b64encode(bytes(range(1, 33))).decode()))
    code, rotation, _ = run(capsys, "rotate-master-key", "--new-key", "-")
    assert code == 0 and rotation["rewrapped"] == 5
    assert load(key_file).active_kek == bytes(range(1, 33))
