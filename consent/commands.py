"""`bureau consent …`: the operator's and anyone's tools for consent receipts.

`bureau consent verify RECEIPT` checks a receipt offline. With `--key` it needs nothing but the
bureau's published key set (the JSON `GET /v1/keys` returns, saved to a file) or a PEM public
key; without it, it uses this installation's own signing key.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bureau.signing import SignatureInvalid, SigningKey, load_public_keys, signing_key_file
from consent import receipts


def register(subparsers: Any) -> None:
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


def _read_receipt(value: str) -> str:
    if value == "-":
        return sys.stdin.read().strip()
    path = Path(value)
    if value.count(".") != 2 and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value.strip()


def run_verify(args: argparse.Namespace) -> int:
    from bureau.cli import settings_from

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
