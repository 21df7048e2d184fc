"""`bureau disputes run-deadlines`, run as an operator would, on a database of its own."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from bureau.cli import main
from bureau.db.migrate import migrate
from bureau.vault import Vault
from disputes import service
from tests.conftest import scratch_database
from tests.disputes.conftest import T0, build_world


@pytest.fixture
def own_database(server_url: str) -> Iterator[str]:
    """A separate database, so the command's commits never touch the shared session data."""
    with scratch_database(server_url, f"fairfile_cli_{secrets.token_hex(4)}") as url:
        migrate(url)
        yield url


def run(capsys: pytest.CaptureFixture[str], today: str) -> dict[str, object]:
    assert main(["disputes", "run-deadlines", "--today", today]) == 0
    summary: dict[str, object] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return summary


def test_run_deadlines_deletes_unverified_items_from_the_first_business_day_and_only_once(
    own_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = tmp_path / "master.key"
    vault = Vault.from_key_file(key_file)
    with psycopg.connect(own_database, row_factory=dict_row) as conn:
        world = build_world(conn, vault)
        row = service.file_dispute(conn, vault, world.subject_id, service.Filing(
            "account", world.tradeline_id, "inaccurate-balance"), T0)  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", own_database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))

    assert run(capsys, "2026-12-27")["deleted"] == []  # Sunday after the Friday deadline
    first = run(capsys, "2026-12-28")
    assert [d["dispute_id"] for d in first["deleted"]] == [str(row.dispute_id)]  # type: ignore[attr-defined]
    assert run(capsys, "2026-12-28")["deleted"] == []
    with psycopg.connect(own_database, row_factory=dict_row) as conn:
        state = conn.execute("SELECT state, result FROM disputes").fetchone()
        deleted = conn.execute(
            "SELECT deleted_at IS NOT NULL AS gone FROM tradelines WHERE tradeline_id = %s",
            (world.tradeline_id,),
        ).fetchone()
    assert state == {"state": "closed", "result": "deleted_unverified"}
    assert deleted == {"gone": True}
