"""`bureau subjects close|reopen|shred|shred-due`: the operator's side of the erasure right;
`bureau subjects convert-addresses`: addresses stored as text become their fields.

`close` records a closure the subject asked for through another channel (a verified letter or
call: `--request-ref` names it, for the access log). `shred` destroys a closed file's keys at
once; `shred-due` shreds every closed file whose regime-defined waiting period has ended (run
it daily, e.g. from cron). Each runs in one transaction: all of it happens, or none.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import connect
from bureau.errors import DomainError
from bureau.policy.regime import live_rules
from bureau.subjects import erasure
from bureau.subjects.address_conversion import convert_stored_addresses
from bureau.vault import Vault


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "subjects", help="close, reopen and shred subjects' files (the erasure right)"
    )
    sub = parser.add_subparsers(dest="subjects_command", required=True, metavar="ACTION")
    close = sub.add_parser("close", help="close a file at the subject's verified request")
    close.add_argument("subject_id", type=UUID)
    close.add_argument(
        "--request-ref", required=True, help="reference of the subject's verified request"
    )
    close.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    close.set_defaults(func=run_close)

    reopen = sub.add_parser("reopen", help="withdraw a closure before the file is shredded")
    reopen.add_argument("subject_id", type=UUID)
    reopen.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    reopen.set_defaults(func=run_reopen)

    shred = sub.add_parser("shred", help="shred a closed file now (irreversible)")
    shred.add_argument("subject_id", type=UUID)
    shred.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    shred.set_defaults(func=run_shred)

    due = sub.add_parser("shred-due", help="shred every closed file whose waiting period ended")
    due.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    due.set_defaults(func=run_shred_due)

    convert = sub.add_parser(
        "convert-addresses",
        help="store addresses kept as text (before migration 0160) as their fields",
    )
    convert.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    convert.set_defaults(func=run_convert_addresses)


def _connect(args: argparse.Namespace) -> tuple[psycopg.Connection[Any], Vault]:
    from bureau.db.server import ready_url

    settings = settings_from(args)
    conn = connect(ready_url(settings))
    try:
        return conn, Vault.for_database(settings.key_file, conn)
    except BaseException:
        conn.close()
        raise


def _run(args: argparse.Namespace, work: Any) -> int:
    conn, vault = _connect(args)
    try:
        with conn, conn.transaction():
            result = work(conn, vault, datetime.now(UTC))
    except DomainError as exc:
        print(f"bureau: {exc.detail}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def run_close(args: argparse.Namespace) -> int:
    rules = live_rules().erasure
    return _run(args, lambda conn, vault, now: erasure.close_file(
        conn, args.subject_id, now, rules, by="operator", request_ref=args.request_ref
    ).as_dict())  # fmt: skip


def run_reopen(args: argparse.Namespace) -> int:
    rules = live_rules().erasure
    return _run(args, lambda conn, vault, now: erasure.reopen_file(
        conn, args.subject_id, rules, by="operator").as_dict())  # fmt: skip


def run_shred(args: argparse.Namespace) -> int:
    return _run(args, lambda conn, vault, now: erasure.shred_file(
        conn, vault, args.subject_id, now, by="operator"))  # fmt: skip


def run_shred_due(args: argparse.Namespace) -> int:
    rules = live_rules().erasure
    return _run(args, lambda conn, vault, now: {
        "shredded": erasure.shred_due(conn, vault, now, rules)})  # fmt: skip


def run_convert_addresses(args: argparse.Namespace) -> int:
    return _run(args, lambda conn, vault, now: convert_stored_addresses(conn, vault))
