"""`bureau consent …`: the operator's and anyone's tools for consent receipts.

`bureau consent verify RECEIPT` checks a receipt offline. With `--key` it needs nothing but the
bureau's published key set (the JSON `GET /v1/keys` returns, saved to a file) or a PEM public
key; without it, it uses this installation's own signing key.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import connect
from bureau.db.server import check_reachable, database_url
from bureau.errors import DomainError
from bureau.signing import SignatureInvalid, SigningKey, load_public_keys, signing_key_file
from consent import receipts, service


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "consent", help="consent receipts and grants"
    )
    sub = parser.add_subparsers(dest="consent_command", required=True, metavar="ACTION")
    verify = sub.add_parser(
        "verify", help="verify a signed consent receipt offline with the bureau's public key"
    )
    verify.add_argument("receipt", help="the receipt (compact JWS), a file holding it, or -")
    verify.add_argument(
        "--key",
        help="the bureau's public key: a JWK Set file (GET /v1/keys), a JWK or a PEM file; "
        "default: this installation's signing key",
    )
    verify.add_argument("--data-dir", help="data dir holding the signing key (FAIRFILE_DATA_DIR)")
    verify.set_defaults(func=run_verify)

    listing = sub.add_parser("list", help="a subject's grants (operator)")
    listing.add_argument("subject_id", type=UUID)
    listing.add_argument("--all", action="store_true", help="include revoked, expired and used")
    listing.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    listing.set_defaults(func=run_list)

    revoke = sub.add_parser("revoke", help="revoke a subject's grant at once (operator)")
    revoke.add_argument("subject_id", type=UUID)
    revoke.add_argument("grant_id", type=UUID)
    revoke.add_argument("--data-dir", help="embedded database directory (FAIRFILE_DATA_DIR)")
    revoke.set_defaults(func=run_revoke)


def _read_receipt(value: str) -> str:
    if value == "-":
        return sys.stdin.read().strip()
    path = Path(value)
    if value.count(".") != 2 and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value.strip()


def run_verify(args: argparse.Namespace) -> int:
    try:
        if args.key:
            keys = load_public_keys(Path(args.key).read_text(encoding="utf-8"))
        else:
            path = signing_key_file(settings_from(args).key_file)
            if not path.exists():
                print(f"bureau: no signing key at {path}; pass --key", file=sys.stderr)
                return 2
            keys = [SigningKey.load(path).public_key]
        receipt = receipts.verify(_read_receipt(args.receipt), keys)
    except SignatureInvalid as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"bureau: {exc}", file=sys.stderr)
        return 2
    print("VALID")
    print(json.dumps(receipt.payload(), indent=2, sort_keys=True))
    return 0


def _connect(args: argparse.Namespace) -> tuple[psycopg.Connection[Any], SigningKey]:
    settings = settings_from(args)
    url = database_url(settings)
    check_reachable(url)
    key = SigningKey.load(signing_key_file(settings.key_file))
    return connect(url), key


def run_list(args: argparse.Namespace) -> int:
    conn, _ = _connect(args)
    with conn, conn.transaction():
        grants = service.list_grants(conn, args.subject_id, datetime.now(UTC), not args.all)
    for g in grants:
        uses = f"{g.uses}/{g.max_uses or '∞'}"
        print(
            f"{g.grant_id}  {g.status:<8} {g.purpose:<22} {g.scope:<5} "
            f"uses {uses:<6} until {g.expires_at.isoformat()}  {g.requester.name}"
        )
    if not grants:
        print("no grants")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    conn, key = _connect(args)
    try:
        with conn, conn.transaction():
            view = service.revoke_grant(
                conn, key, args.subject_id, args.grant_id, datetime.now(UTC), by="operator"
            )
    except DomainError as exc:
        print(f"bureau: {exc.detail}", file=sys.stderr)
        return 1
    assert view.revoked_at is not None
    print(f"revoked at {view.revoked_at.isoformat()}")
    print(view.revocation_receipt)
    return 0
