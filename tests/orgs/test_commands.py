"""The operator CLI bootstraps a real deployment: its first operator key, then others."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import bearer


def _bureau(*args: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "FAIRFILE_KEY_FILE": str(tmp_path / "k")}
    return subprocess.run(
        [sys.executable, "-m", "bureau.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_operator_created_on_the_command_line_can_use_the_api(
    database_url: str, tmp_path: Path, client: TestClient
) -> None:
    created = _bureau("org", "create", "Bootstrap Operator", "--roles", "operator",
                      database_url=database_url, tmp_path=tmp_path)  # fmt: skip
    assert created.returncode == 0, created.stderr
    key = created.stdout.split("): ")[-1].strip()
    assert client.get("/v1/whoami", headers=bearer(key)).json()["scopes"] == ["operator"]
    key_id = key.split("_")[1]
    revoked = _bureau("key", "revoke", key_id, database_url=database_url, tmp_path=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert client.get("/v1/whoami", headers=bearer(key)).status_code == 401


def test_cli_refuses_unknown_roles_naming_the_option(database_url: str, tmp_path: Path) -> None:
    result = _bureau("org", "create", "X", "--roles", "landlord", database_url=database_url,
                     tmp_path=tmp_path)  # fmt: skip
    assert result.returncode != 0 and "--roles" in result.stderr
