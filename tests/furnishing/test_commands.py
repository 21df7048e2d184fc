"""`bureau furnish` and `bureau export metro2`: a file applied in one transaction (killing the
process mid-file leaves nothing), a summary and a CSV rejection report, and an export that
reads back as the same accounts."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest

from bureau.cli import main
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record, Value
from bureau.furnishing.metro2.synthetic import account, records
from bureau.furnishing.metro2.validate import validate_items
from bureau.furnishing.metro2.write import to_bytes
from bureau.vault import Vault
from tests.furnishing.conftest import Segments, add_furnisher, co_borrower, metro2_file


@pytest.fixture
def env(
    committed_url: str, session_key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    values = {"DATABASE_URL": committed_url, "FAIRFILE_KEY_FILE": str(session_key_file)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with psycopg.connect(committed_url) as conn:
        Vault.initialise(session_key_file, conn)  # as `bureau init` makes a bureau's keys
    return values


def _new_furnisher(url: str, code: str) -> str:
    with psycopg.connect(url) as conn:
        return str(add_furnisher(conn, code))


def _count(url: str, query: str, *params: object) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute(query, params).fetchone()[0])  # type: ignore[index]


def test_furnish_prints_a_summary_and_writes_the_rejections_as_csv(
    env: dict[str, str], committed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = _new_furnisher(committed_url, "CLIFURN01")
    items = list(records(8, seed=41, furnisher="CLIFURN01"))
    broken = items[4]
    assert isinstance(broken, Record)
    broken.main.replace_text(broken.main.text[:123] + "99" + broken.main.text[125:])  # status
    path = tmp_path / "cycle.m2"
    path.write_bytes(to_bytes(items))
    csv_path = tmp_path / "rejections.csv"
    assert main(["furnish", str(path), "--furnisher", "CLIFURN01",
                 "--rejections", str(csv_path)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "8 base record(s), 7 accepted, 1 rejected" in out
    assert "tradelines: 7 new" in out
    assert ",5,base,account_status,124,125," in csv_path.read_text()
    assert stat.S_IMODE(csv_path.stat().st_mode) == 0o600  # it names the consumers
    assert _count(committed_url, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s",
                  org) == 7  # fmt: skip
    assert main(["furnish", str(path), "--furnisher", org]) == 0
    assert "already applied" in capsys.readouterr().out


def test_export_reads_back_as_the_same_accounts(
    env: dict[str, str], committed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _new_furnisher(committed_url, "EXPFURN01")
    sent = [r for r in records(15, seed=43, furnisher="EXPFURN01") if r.kind == "base"]
    path = tmp_path / "in.m2"
    path.write_bytes(to_bytes(records(15, seed=43, furnisher="EXPFURN01")))
    assert main(["furnish", str(path), "--furnisher", "EXPFURN01"]) == 0
    out = tmp_path / "out.m2"
    out.write_bytes(b"")
    out.chmod(0o644)  # an existing, world-readable file is narrowed before it is written
    assert main(["export", "metro2", "--furnisher", "EXPFURN01", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    exported = parse_bytes(out.read_bytes())
    assert list(validate_items(exported)) == []
    back = {r.main.raw("consumer_account_number"): r for r in exported
            if isinstance(r, Record) and r.kind == "base"}  # fmt: skip
    assert len(back) == 15
    compared = ("account_status", "current_balance", "amount_past_due", "payment_history_profile",
                "date_opened", "date_account_information", "credit_limit", "highest_credit",
                "surname", "first_name", "ssn", "date_of_birth", "city", "state")  # fmt: skip
    for record in sent:
        twin = back[record.main.raw("consumer_account_number")]
        for field in compared:
            assert twin.main.raw(field) == record.main.raw(field), field


def _children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (an ingest's keying workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


@pytest.mark.parametrize("workers", ["0", "2"])
def test_killing_the_ingest_mid_file_leaves_the_database_without_any_of_it(
    env: dict[str, str], committed_url: str, tmp_path: Path, workers: str
) -> None:
    """With or without keying workers (the file is large enough for them): nothing lands,
    and the workers leave with the killed ingest."""
    code = f"CRASHFURN0{workers}"
    org = _new_furnisher(committed_url, code)
    path = tmp_path / "big.m2"
    path.write_bytes(to_bytes(records(6_000, seed=47, furnisher=code)))
    subjects_before = _count(committed_url, "SELECT count(*) FROM subjects")
    command = [sys.executable, "-m", "bureau.cli", "furnish", str(path), "--furnisher", org]
    env = {**env, "FAIRFILE_INGEST_WORKERS": workers}
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)  # fmt: skip
    workers_seen: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        staged = False
        while time.monotonic() < deadline and process.poll() is None:
            # mid-file: the ingest's transaction has copied accounts into its staging table
            staged = _count(committed_url, "SELECT count(*) FROM pg_stat_activity WHERE "
                            "query LIKE 'COPY furnish_stage%%' AND pid <> pg_backend_pid()") > 0  # fmt: skip
            if staged:
                time.sleep(0.2)
                break
            time.sleep(0.01)
        assert staged and process.poll() is None, "the ingest was not caught mid-file"
        workers_seen = _children(process.pid)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert len(workers_seen) >= int(workers)  # spawn also starts a resource tracker
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers_seen):
        assert time.monotonic() < deadline, "keying workers outlived the killed ingest"
        time.sleep(0.1)
    deadline = time.monotonic() + 30  # the server notices the dead client and rolls back
    while _count(committed_url, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                 "'%%furnish_%%' AND pid <> pg_backend_pid()") and time.monotonic() < deadline:  # fmt: skip
        time.sleep(0.05)
    assert (
        _count(committed_url, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s", org) == 0
    )
    assert _count(committed_url, "SELECT count(*) FROM subjects") == subjects_before
    assert _count(committed_url, "SELECT count(*) FROM furnish_batches WHERE furnisher_id = %s",
                  org) == 0  # fmt: skip

    finished = subprocess.run(command, env={**os.environ, **env}, capture_output=True, timeout=300)
    assert finished.returncode == 0, finished.stderr.decode()
    assert _count(committed_url, "SELECT count(*) FROM tradelines WHERE furnisher_id = %s",
                  org) == 6_000  # fmt: skip


def test_furnish_counts_associated_consumers_and_renumbered_accounts(
    env: dict[str, str], committed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _new_furnisher(committed_url, "JOINTFURN01")
    values = account(random.Random(90), date(2026, 10, 31), furnisher="JOINTFURN01", number=90)
    values.update(account_status="11", amount_past_due=0)
    change: tuple[str, dict[str, Value]] = (
        "L1",
        {"change_indicator": 1, "new_consumer_account_number": "JOINT-0090"},
    )
    appended: Segments
    for name, appended in (("oct.m2", [co_borrower(91)]), ("nov.m2", [co_borrower(91), change])):
        (tmp_path / name).write_bytes(metro2_file([(values, appended)], date(2026, 10, 31)))
        assert main(["furnish", str(tmp_path / name), "--furnisher", "JOINTFURN01"]) == 0
    first, second = capsys.readouterr().out.split("batch ")[1:]
    assert "associated consumers (J1/J2): matched by new 1" in first
    assert "associated consumers (J1/J2): matched by account 1" in second
    assert "accounts renumbered (L1): 2" in second


def test_export_takes_the_sandbox_short_name_and_a_failed_one_leaves_no_file(
    env: dict[str, str], committed_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(committed_url) as conn:
        add_furnisher(conn, "NWBSHORT01", "Northwind Bank")
    out = tmp_path / "northwind.m2"
    assert main(["export", "metro2", "--furnisher", "northwind", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"0426HEADER")
    missing = tmp_path / "nobody.m2"
    assert main(["export", "metro2", "--furnisher", "nobody-at-all", "--out", str(missing)]) == 2
    assert "no furnisher 'nobody-at-all'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [out]
