"""`bureau init` and `bureau vault keys | rotate-master-key | retire-master-key`: the bureau's
keys. `init` is the one command (besides the sandbox) that creates keys: serving and verifying
only ever read them.

Each prints one JSON object on stdout (its last line) and human-readable notes on stderr.
docs/vault.md describes the procedure.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import stat
import sys
from dataclasses import asdict
from pathlib import Path

import psycopg
from tqdm import tqdm

from bureau.commandline import Subparsers, settings_from
from bureau.db.migrate import migrate
from bureau.db.pool import one_transaction
from bureau.db.server import check_reachable, database_url, ready_url
from bureau.errors import DomainError
from bureau.signing import SigningKey, signing_key_file
from bureau.vault.keyring import KeyRingError, load
from bureau.vault.rotation import (
    DEFAULT_BATCH_SIZE,
    master_key_status,
    retire_master_key,
    rotate_master_key,
)
from bureau.vault.vault import Vault, VaultError


def register(subparsers: Subparsers) -> None:
    init = subparsers.add_parser(
        "init", help="migrate, and create the bureau's master key file and signing key"
    )
    init.add_argument("--data-dir", help="embedded database and key file directory")
    init.set_defaults(func=run_init)

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "vault", help="master keys: list, rotate, retire"
    )
    sub = parser.add_subparsers(dest="vault_command", required=True, metavar="ACTION")

    keys = sub.add_parser("keys", help="list master keys and how many data keys each wraps")
    keys.add_argument("--data-dir", help="embedded database and key file directory")
    keys.set_defaults(func=run_keys)

    rotate = sub.add_parser(
        "rotate-master-key",
        help="make a new master key active and re-wrap every data key under it (resumable)",
    )
    rotate.add_argument(
        "--new-key",
        metavar="FILE",
        help="take the new master key from FILE (32 bytes, base64; '-' reads stdin) "
        "instead of generating one",
    )
    rotate.add_argument("--key-id", help="id for the new master key (default: kek-DATE-RANDOM)")
    rotate.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"data keys re-wrapped per transaction (default {DEFAULT_BATCH_SIZE})",
    )
    rotate.add_argument("--data-dir", help="embedded database and key file directory")
    rotate.set_defaults(func=run_rotate)

    retire = sub.add_parser(
        "retire-master-key",
        help="remove a master key from the key file once no data key is wrapped under it",
    )
    retire.add_argument("key_id", help="the master key's id (see `bureau vault keys`)")
    retire.add_argument("--data-dir", help="embedded database and key file directory")
    retire.set_defaults(func=run_retire)


def run_init(args: argparse.Namespace) -> int:
    """Create what a bureau needs before it can serve: the schema, the key file (only for a
    database that has no keys: `Vault.initialise` refuses a missing file next to one that
    has), the key file's fingerprints (recorded for a new database only, never by a start)
    and the signing key (mode 0600). Safe to run again: existing keys are checked, kept."""
    settings = settings_from(args)
    url = database_url(settings)
    check_reachable(url)
    migrate(url)
    had_key_file = settings.key_file.exists()
    with one_transaction(url) as conn:
        Vault.initialise(settings.key_file, conn)
    signing = signing_key_file(settings.key_file)
    had_signing = signing.exists()
    key = SigningKey.load_or_create(signing)
    print(f"key file {settings.key_file}: {'kept' if had_key_file else 'created'}")
    print(f"signing key {signing}: {'kept' if had_signing else 'created'} (kid {key.kid})")
    return 0


def _fail(action: str, message: str) -> int:
    print(f"bureau vault {action}: {message}", file=sys.stderr)
    return 1


def read_new_key(source: str) -> bytes:
    """A master key given by the operator: base64 of exactly 32 bytes, in a private file."""
    if source == "-":
        text = sys.stdin.read()
    else:
        path = Path(source).expanduser()
        try:
            mode = path.stat().st_mode
        except FileNotFoundError as exc:
            raise KeyRingError(f"--new-key: {path} does not exist") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyRingError(f"--new-key: {path} is accessible by group or others; chmod 600 it")
        text = path.read_text(encoding="utf-8")
    try:
        key = base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as exc:
        raise KeyRingError("--new-key: not base64") from exc
    if len(key) != 32:
        raise KeyRingError(f"--new-key: a master key is 32 bytes, this one is {len(key)}")
    return key


def run_keys(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = ready_url(settings)
    try:
        ring = load(settings.key_file)
    except KeyRingError as exc:
        return _fail("keys", str(exc))
    with psycopg.connect(url) as conn:
        statuses = master_key_status(conn, ring)
    for status in statuses:
        print(
            f"{status.kek_id}  {status.state:<8}  {status.data_keys} data key(s)", file=sys.stderr
        )
    print(json.dumps({"key_file": str(settings.key_file),
                      "master_keys": [asdict(s) for s in statuses]}))  # fmt: skip
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = ready_url(settings)
    if args.batch_size < 1:
        return _fail("rotate-master-key", "--batch-size must be at least 1")
    try:
        new_key = read_new_key(args.new_key) if args.new_key else None
        with tqdm(desc="re-wrapping", unit=" data keys", file=sys.stderr, leave=False,
                  disable=not sys.stderr.isatty()) as bar:  # fmt: skip
            rotation = rotate_master_key(
                url,
                settings.key_file,
                new_key=new_key,
                key_id=args.key_id,
                batch_size=args.batch_size,
                on_batch=bar.update,
            )
    except (DomainError, KeyRingError, VaultError) as exc:
        return _fail("rotate-master-key", getattr(exc, "detail", str(exc)))
    verb = "new master key" if rotation.created else "finished the interrupted rotation to"
    print(f"{verb} {rotation.active_kek_id}: {rotation.rewrapped} data key(s) re-wrapped",
          file=sys.stderr)  # fmt: skip
    if rotation.remaining:
        left = ", ".join(f"{n} under {kid}" for kid, n in rotation.remaining.items())
        print(f"still to re-wrap (written meanwhile; run again): {left}", file=sys.stderr)
    else:
        previous = ", ".join(sorted(kid for kid in load(settings.key_file).keks
                                    if kid != rotation.active_kek_id))  # fmt: skip
        if previous:
            print(f"no data key is wrapped under {previous} any more: retire with "
                  "`bureau vault retire-master-key KEY_ID`", file=sys.stderr)  # fmt: skip
    print(json.dumps(asdict(rotation)))
    return 0


def run_retire(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    url = ready_url(settings)
    try:
        retire_master_key(url, settings.key_file, args.key_id)
    except (DomainError, KeyRingError) as exc:
        return _fail("retire-master-key", getattr(exc, "detail", str(exc)))
    print(f"master key {args.key_id} removed from {settings.key_file}", file=sys.stderr)
    print(json.dumps({"retired": args.key_id}))
    return 0
