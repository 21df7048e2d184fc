"""`bureau disputes run-deadlines`: delete what was not verified in time (idempotent).

Meant for a daily schedule (cron, a systemd timer); running it twice, or on a weekend, changes
nothing that should not change. A dispute that fails is named on stderr with its reason and the
exit status is 1; the other disputes' deletions are committed all the same. `--today` runs it as of another day (tests, catch-up runs).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time

from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import one_transaction
from bureau.db.server import check_reachable, database_url
from bureau.vault import Vault
from disputes.reinvestigation import run_deadlines


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("disputes", help="dispute tools")
    sub = parser.add_subparsers(dest="disputes_command", required=True)
    run = sub.add_parser(
        "run-deadlines",
        help="delete items not verified by their deadline; tell furnishers; send results notices",
    )
    run.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    run.add_argument(
        "--today",
        type=date.fromisoformat,
        help="run as of this day (default: today in FAIRFILE_BUSINESS_TIMEZONE)",
    )
    run.set_defaults(func=run_deadlines_command)


def run_deadlines_command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = database_url(settings)
    check_reachable(url)
    now = datetime.now(UTC)
    if args.today is not None:
        now = datetime.combine(args.today, time(12), UTC)
    with one_transaction(url) as conn:
        summary = run_deadlines(conn, Vault.for_database(settings.key_file, conn), now)
    print(json.dumps(summary))
    for failure in summary["failed"]:
        print(f"dispute {failure['dispute_id']} not processed: {failure['reason']}",
              file=sys.stderr)  # fmt: skip
    return 1 if summary["failed"] else 0
