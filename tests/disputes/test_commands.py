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
from disputes.repo import DisputeRow
from tests.conftest import scratch_database
from tests.disputes.conftest import T0, World, build_world


@pytest.fixture
def own_database(server_url: str) -> Iterator[str]:
    """A separate database, so the command's commits never touch the shared session data."""
    with scratch_database(server_url, f"fairfile_cli_{secrets.token_hex(4)}") as url:
        migrate(url)
        yield url


def disputed(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accounts: int = 1
) -> tuple[World, list[DisputeRow]]:
    """The world of tests/disputes/conftest.py in `database`, a dispute filed at T0 on each of
    its first `accounts` accounts (1 or 2), and the command pointed at both."""
    key_file = tmp_path / "master.key"
    with psycopg.connect(database, row_factory=dict_row) as conn:
        vault = Vault.initialise(key_file, conn)  # as `bureau init` makes it
        world = build_world(conn, vault)
        rows = [service.file_dispute(conn, vault, world.subject_id, service.Filing(
            "account", account, "inaccurate-balance"), T0)
            for account in [world.tradeline_id, world.second_tradeline_id][:accounts]]  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(key_file))
    return world, rows


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
    world, (row,) = disputed(own_database, tmp_path, monkeypatch)

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


def test_a_failing_dispute_is_named_with_its_reason_and_the_exit_status_while_the_rest_commit(
    own_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from disputes import reinvestigation

    _, (broken, fine) = disputed(own_database, tmp_path, monkeypatch, accounts=2)
    tell = reinvestigation._tell_furnisher

    def failing(c: psycopg.Connection, v: Vault, row: object, now: object) -> str | None:
        if getattr(row, "dispute_id", None) == broken.dispute_id:
            raise RuntimeError("furnisher has no address on file")
        return tell(c, v, row, now)  # type: ignore[arg-type]

    monkeypatch.setattr(reinvestigation, "_tell_furnisher", failing)
    assert main(["disputes", "run-deadlines", "--today", "2026-12-28"]) == 1
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert [d["dispute_id"] for d in summary["deleted"]] == [str(fine.dispute_id)]
    assert f"dispute {broken.dispute_id} not processed" in err
    assert "furnisher has no address on file" in err
    with psycopg.connect(own_database, row_factory=dict_row) as conn:
        rows = conn.execute("SELECT dispute_id, state FROM disputes").fetchall()
    states = {r["dispute_id"]: r["state"] for r in rows}
    assert states[fine.dispute_id] == "closed"  # committed despite the other's failure
    assert states[broken.dispute_id] in {"received", "forwarded"}
