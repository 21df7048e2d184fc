"""A local Citus cluster (a coordinator and its workers) on 127.0.0.1, for tests and benches.

Production points `DATABASE_URL` at any Citus coordinator; this module exists so the suite and
`bench/cluster.py` can prove the distributed schema on one machine, from the PostgreSQL that the
`pgserver` package ships with Citus built into it (`.ci/checks/citus-build.sh`). Each node is a
plain server of its own (initdb, pg_ctl) in a temporary directory, listening on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

_SYSTEM_USER = "pgserver"  # PostgreSQL refuses root; pgserver uses the same unprivileged user


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be started (Citus not built, a node failed); one line for the reader."""


def postgres_bin() -> Path:
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def citus_installed() -> bool:
    return (postgres_bin().parent / "lib" / "postgresql" / "citus.so").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_user() -> dict[str, str]:
    """Run the server binaries as the unprivileged user when this process is root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", _SYSTEM_USER], check=True)
    return {"user": _SYSTEM_USER}


@dataclass
class Node:
    """One server of the cluster: its data directory and port."""

    folder: Path
    port: int

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"


@dataclass
class LocalCluster:
    """A coordinator and `workers`, started by `start` and stopped by `stop`."""

    root: Path
    coordinator: Node
    workers: list[Node] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        return [self.coordinator, *self.workers]

    def url(self, dbname: str = "postgres") -> str:
        return self.coordinator.url(dbname)

    def create_database(self, name: str) -> str:
        """A new database on every node, with Citus in it and the workers registered; returns
        the coordinator's URL for it.

        Citus 12.1 does not propagate CREATE DATABASE, so each node gets it on its own.
        """
        for node in self.nodes:
            with psycopg.connect(node.url(), autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            with psycopg.connect(node.url(name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION citus")
        with psycopg.connect(self.url(name), autocommit=True) as conn:
            conn.execute(
                "SELECT citus_set_coordinator_host('127.0.0.1', %s)", (self.coordinator.port,)
            )
            for worker in self.workers:
                conn.execute("SELECT citus_add_node('127.0.0.1', %s)", (worker.port,))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        for node in reversed(self.nodes):
            with psycopg.connect(node.url(), autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    def stop(self) -> None:
        """Stop every node and remove the cluster's folder."""
        for node in self.nodes:
            if (node.folder / "postmaster.pid").exists():
                subprocess.run(  # type: ignore[call-overload]
                    [
                        str(postgres_bin() / "pg_ctl"),
                        "-D",
                        str(node.folder),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ],
                    check=False,
                    capture_output=True,
                    timeout=60,
                    **_as_user(),
                )
        shutil.rmtree(self.root, ignore_errors=True)


_CONF = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{folder}'
shared_preload_libraries = 'citus'
max_connections = 300
max_prepared_transactions = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
citus.shard_count = {shards}
citus.max_adaptive_executor_pool_size = 4
"""


def _start_node(folder: Path, port: int, shards: int) -> Node:
    folder.mkdir(parents=True)
    user = _as_user()
    if user:
        entry = pwd.getpwnam(_SYSTEM_USER)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    run = {"check": True, "capture_output": True, "timeout": 120, **user}
    bin_dir = postgres_bin()
    try:
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(folder), "--auth=trust", "-U", "postgres",
             "--encoding=utf8", "--no-sync"],
            **run,  # type: ignore[call-overload]
        )  # fmt: skip
        with (folder / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(_CONF.format(port=port, folder=folder, shards=shards))
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(folder), "-l", str(folder / "server.log"), "-w",
             "start"],
            **run,  # type: ignore[call-overload]
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ClusterUnavailable(
            f"node on port {port} did not start: {exc.stderr!r} {tail}"
        ) from exc
    return Node(folder, port)


def start_cluster(workers: int = 2, *, shards: int = 8, root: Path | None = None) -> LocalCluster:
    """Start a coordinator and `workers` workers on 127.0.0.1, each on a free port of its own.

    `shards` is `citus.shard_count` (shards per distributed table): small for tests, where each
    shard is a table the migrations create on a worker.
    """
    if not citus_installed():
        raise ClusterUnavailable("Citus is not built into pgserver: run .ci/checks/citus-build.sh")
    folder = root or Path(tempfile.mkdtemp(prefix="fairfile-citus-"))
    folder.chmod(0o755)
    cluster = LocalCluster(folder, Node(folder / "coordinator", 0))
    try:
        cluster.coordinator = _start_node(folder / "coordinator", _free_port(), shards)
        for number in range(workers):
            cluster.workers.append(_start_node(folder / f"worker{number}", _free_port(), shards))
    except BaseException:
        cluster.stop()
        raise
    return cluster
