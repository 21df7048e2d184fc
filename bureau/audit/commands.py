"""`bureau audit …`: verify the access log in the database, sequence it, check one's own log
from outside (`verify-mine`), and witness the bureau's signed heads (`witness`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import verify_mine, witness
from bureau.audit.remote import RemoteError, get_json
from bureau.audit.sequencing import sequence
from bureau.audit.tree import verify_log
from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import connect
from bureau.db.server import check_reachable, database_url
from bureau.signing import SignatureInvalid, SigningKey, load_public_keys, signing_key_file


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "audit", help="the tamper-evident access log"
    )
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = sub.add_parser(
        "verify",
        help="rehash every log entry, compare its columns, rebuild the tree and check every "
        "signed tree head and the signed checkpoint",
    )
    verify.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    verify.add_argument(
        "--key", help="the bureau's public key (JWK Set from GET /v1/keys, JWK or PEM)"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=run_verify)
    number = sub.add_parser(
        "sequence",
        help="give committed, not yet numbered entries their leaf indexes now and sign the "
        "checkpoint (a served bureau does this four times a second)",
    )
    number.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    number.set_defaults(func=run_sequence)
    mine = sub.add_parser(
        "verify-mine",
        help="as a subject: check every entry of your access log and that none is missing, "
        "from the API alone",
    )
    mine.add_argument("url", help="the bureau's base URL, e.g. https://bureau.example")
    mine.add_argument("--key", required=True, help="the bureau's public keys (JWK Set file)")
    mine.add_argument("--token", help="your subject token (default: FAIRFILE_SUBJECT_TOKEN)")
    mine.add_argument("--state", help="a folder to remember the newest entry seen between runs")
    mine.add_argument(
        "--subject-id",
        type=UUID,
        help="your subject id (from your enrolment or a signed receipt; default: the one kept "
        "in --state, else the bureau's word): the map position checked is derived from it",
    )
    mine.add_argument("--json", action="store_true", help="print the result as JSON")
    mine.set_defaults(func=run_verify_mine)
    watch = sub.add_parser(
        "witness",
        help="as an auditor: fetch the newest signed tree head and prove it extends the ones "
        "kept in --state",
    )
    watch.add_argument("url", help="the bureau's base URL")
    watch.add_argument("--state", required=True, help="the folder this witness keeps heads in")
    watch.add_argument("--key", required=True, help="the bureau's public keys (JWK Set file)")
    watch.add_argument("--token", help="an auditor API key (default: FAIRFILE_API_KEY)")
    watch.set_defaults(func=run_witness)


class CommandRefused(RuntimeError):
    """A command's input it cannot run with (one line, exit 2)."""


def _public_keys(path: str) -> list[Ed25519PublicKey]:
    try:
        keys = load_public_keys(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandRefused(f"--key: cannot read {path} ({exc.strerror})") from None
    except (SignatureInvalid, ValueError) as exc:
        raise CommandRefused(f"--key: {path} is not a public key ({exc})") from None
    if not keys:
        raise CommandRefused(f"--key: {path} holds no key")
    return keys


def _token(given: str | None, variable: str) -> str:
    token = given or os.environ.get(variable, "")
    if not token:
        raise CommandRefused(f"give --token or set {variable}")
    return token


def _refused(run: Any) -> Any:
    """One line and exit 2 for what the command cannot run with or reach."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return int(run(args))
        except (CommandRefused, RemoteError) as exc:
            print(f"bureau: {exc}", file=sys.stderr)
            return 2

    return wrapped


@_refused
def run_sequence(args: argparse.Namespace) -> int:
    """For an operator (or a cron job) when no server runs: the log's merge delay stays bounded."""
    settings = settings_from(args)
    key = SigningKey.load(signing_key_file(settings.key_file))
    url = database_url(settings)
    check_reachable(url)
    with connect(url) as conn, conn.transaction():
        numbered = sequence(conn, key)
    print(f"sequenced {numbered} entries")
    return 0


@_refused
def run_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.key:
        keys = _public_keys(args.key)
    else:
        # Never created here: a new key would verify nothing and sign nothing of this bureau's.
        keys = [SigningKey.load(signing_key_file(settings.key_file)).public_key]
    url = database_url(settings)
    check_reachable(url)
    with connect(url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        result = verify_log(conn, keys)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "entries": result.entries,
                    "heads": result.heads,
                    "checkpoint_size": result.checkpoint_size,
                    "pending": result.pending,
                    "first_bad_index": result.first_bad_index,
                    "problems": result.problems,
                }
            )
        )
    elif result.ok:
        print(
            f"OK: {result.entries} entries, {result.heads} signed tree heads and the signed "
            f"checkpoint (size {result.checkpoint_size}) verified"
            + (f" ({result.pending} not yet sequenced)" if result.pending else "")
        )
    else:
        for problem in result.problems:
            print(f"MISMATCH: {problem}", file=sys.stderr)
        print(f"FAILED: first bad entry {result.first_bad_index}", file=sys.stderr)
    return 0 if result.ok else 1


@_refused
def run_verify_mine(args: argparse.Namespace) -> int:
    keys = _public_keys(args.key)
    token = _token(args.token, "FAIRFILE_SUBJECT_TOKEN")
    state = Path(args.state).expanduser() if args.state else None
    subject = str(args.subject_id) if args.subject_id else None
    result = verify_mine.run(args.url, token, keys, state, subject)
    if args.json:
        print(json.dumps({"ok": result.ok, "entries": result.entries,
                          "tree_size": result.tree_size, "problems": result.problems}))  # fmt: skip
    elif result.ok:
        print(
            f"OK: all {result.entries} entries about you verified and complete up to the signed "
            f"tree head of size {result.tree_size}"
        )
    else:
        for problem in result.problems:
            print(f"MISMATCH: {problem}", file=sys.stderr)
        print(f"FAILED: {len(result.problems)} problems in your access log", file=sys.stderr)
    return 0 if result.ok else 1


@_refused
def run_witness(args: argparse.Namespace) -> int:
    keys = _public_keys(args.key)
    token = _token(args.token, "FAIRFILE_API_KEY")
    folder = Path(args.state).expanduser()
    try:
        kept = witness.load_state(folder)
    except ValueError as exc:
        raise CommandRefused(f"--state: {exc}") from None
    try:
        new, against = witness.check(
            lambda path, params: get_json(args.url, path, token, params), keys, kept
        )
    except witness.Inconsistent as exc:
        print(f"INCONSISTENT: {exc}", file=sys.stderr)
        return 1
    if all(h.tree_size != new.tree_size for h in kept):
        witness.save_state(folder, [*kept, new])
    print(
        f"OK: signed tree head of size {new.tree_size} kept"
        + (f", consistent with the head of size {against.tree_size}" if against else " (first)")
    )
    return 0
