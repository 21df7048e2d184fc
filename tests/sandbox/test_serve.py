"""The README's first command, end to end: `bureau serve --sandbox` on a new data dir
migrates, seeds, prints working credentials and serves them; the same database is refused
without --sandbox, because its keys are public."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FAIRFILE_KEY_FILE"}}
    data_dir = tmp_path / "data"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bureau.cli", "serve", "--sandbox", "--port", str(port),
             "--data-dir", str(data_dir)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"serve exited: {log_path.read_text()}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail(f"serve did not come up: {log_path.read_text()}")
        yield base, log_path.read_text(), data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_sandbox_serves_the_credentials_it_prints(served: tuple[str, str, Path]) -> None:
    base, output, data_dir = served
    token = re.search(r"^\s+late-60\s+(ffs_\S+)$", output, re.M)
    key = re.search(r"^\s+lumen\s+pull\s+(ffk_\S+)$", output, re.M)
    assert token and key, output
    file = httpx.get(f"{base}/v1/me/file", headers={"Authorization": f"Bearer {token[1]}"}).json()
    assert file["identity"]["names"] == ["Marcus Leon Bell"]
    assert any(t["account_status"] == "78" for t in file["tradelines"])
    who = httpx.get(f"{base}/v1/whoami", headers={"Authorization": f"Bearer {key[1]}"}).json()
    assert who["name"] == "Lumen Lending"
    assert (data_dir / "master.key").stat().st_mode & 0o077 == 0
    assert (data_dir / "sandbox-credentials.json").exists()


def test_sandbox_database_is_refused_without_the_sandbox_flag(
    served: tuple[str, str, Path],
) -> None:
    _, _, data_dir = served
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FAIRFILE_KEY_FILE"}}
    result = subprocess.run(
        [sys.executable, "-m", "bureau.cli", "serve", "--port", str(_free_port()),
         "--data-dir", str(data_dir)],
        env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert result.returncode != 0
    assert "seeded as a sandbox" in result.stderr
