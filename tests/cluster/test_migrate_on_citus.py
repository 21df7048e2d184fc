"""`bureau migrate` against a Citus coordinator (any Citus 12.1 or later, named by DATABASE_URL)
places every table and says where each went; run again, it has nothing left to do."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bureau.db.distribution import PLACEMENTS
from tests.cluster import local as local_cluster
from tests.conftest import scratch_database

pytestmark = pytest.mark.skipif(
    not local_cluster.requested(),
    reason="placement needs a Citus coordinator: run with FAIRFILE_TEST_CLUSTER=citus",
)


def _migrate(url: str, data_dir: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bureau.cli", "migrate"],
        env={**os.environ, "DATABASE_URL": url, "FAIRFILE_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_bureau_migrate_on_a_coordinator_prints_where_it_placed_every_table(
    server_url: str, tmp_path: Path
) -> None:
    with scratch_database(server_url, f"fairfile_migrate_{secrets.token_hex(3)}") as url:
        lines = _migrate(url, tmp_path)
        placed = {line.split(": ")[1]: line for line in lines if line.startswith("citus: ")}
        assert set(placed) == {p.table for p in PLACEMENTS}
        assert "distributed by subject_id" in placed["reports"]
        assert "distributed by id" in placed["id_routes"]
        assert "distributed by value_bidx" in placed["identity_blind_indexes"]
        assert "reference table" in placed["organizations"]
        assert "on the coordinator" in placed["audit_log"]
        assert any(line.startswith("applied 0255_id_routes") for line in lines)
        assert _migrate(url, tmp_path) == ["schema up to date"]
