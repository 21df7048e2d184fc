"""`bureau migrate`: bring the database schema up to date."""

from __future__ import annotations

import argparse

from bureau.commandline import Subparsers, settings_from
from bureau.db.migrate import migrate
from bureau.db.server import check_reachable, database_url


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "migrate", help="apply the numbered SQL migrations (idempotent)"
    )
    parser.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    parser.set_defaults(func=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    url = database_url(settings_from(args))
    check_reachable(url)
    placed: list[str] = []
    applied = migrate(url, on_placed=placed.append)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    for line in placed:
        print(f"citus: {line}")
    if not applied and not placed:
        print("schema up to date")
    return 0
