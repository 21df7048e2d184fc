"""`bureau audit verify`: recompute the access log's Merkle tree and name what does not match."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from bureau.audit.sequencing import sequence
from bureau.audit.tree import verify_log
from bureau.commandline import Subparsers, settings_from
from bureau.db.server import check_reachable, database_url
from bureau.signing import SigningKey, load_public_keys, signing_key_file


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help="the tamper-evident access log"
    )
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = sub.add_parser(
        "verify",
        help="rehash every log entry, rebuild the tree and check every signed tree head",
    )
    verify.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    verify.add_argument(
        "--key", help="the bureau's public key (JWK Set from GET /v1/keys, JWK or PEM)"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=run_verify)
    number = sub.add_parser(
        "sequence",
        help="give committed, not yet numbered entries their leaf indexes now "
        "(a served bureau does this four times a second and before signing any tree head)",
    )
    number.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    number.set_defaults(func=run_sequence)


def run_sequence(args: argparse.Namespace) -> int:
    """For an operator (or a cron job) when no server runs: the log's merge delay stays bounded."""
    url = database_url(settings_from(args))
    check_reachable(url)
    with psycopg.connect(url, row_factory=dict_row) as conn, conn.transaction():
        numbered = sequence(conn)
    print(f"sequenced {numbered} entries")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.key:
        keys = load_public_keys(Path(args.key).read_text(encoding="utf-8"))
    else:
        keys = [SigningKey.load_or_create(signing_key_file(settings.key_file)).public_key]
    url = database_url(settings)
    check_reachable(url)
    with psycopg.connect(url, row_factory=dict_row) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        result = verify_log(conn, keys)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "entries": result.entries,
                    "heads": result.heads,
                    "pending": result.pending,
                    "first_bad_index": result.first_bad_index,
                    "problems": result.problems,
                }
            )
        )
    elif result.ok:
        print(
            f"OK: {result.entries} entries, {result.heads} signed tree heads verified"
            + (f" ({result.pending} not yet sequenced)" if result.pending else "")
        )
    else:
        for problem in result.problems:
            print(f"MISMATCH: {problem}", file=sys.stderr)
        print(f"FAILED: first bad entry {result.first_bad_index}", file=sys.stderr)
    return 0 if result.ok else 1
