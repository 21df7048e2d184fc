"""`bureau org redirect-uris list|add|remove`: where an OAuth client's subjects are sent back."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from bureau.commandline import settings_from
from bureau.db.pool import one_transaction
from bureau.db.server import ready_url
from bureau.errors import DomainError
from consent.oauth import lender


def register_under(org_sub: Any) -> None:
    uris = org_sub.add_parser("redirect-uris", help="an OAuth client's registered redirect URIs")
    sub = uris.add_subparsers(dest="redirect_command", required=True)
    for name, helptext, needs_uri in (
        ("list", "list them", False),
        ("add", "register one (exact; loopback http://127.0.0.1/… matches any port)", True),
        ("remove", "remove one", True),
    ):
        command = sub.add_parser(name, help=helptext)
        command.add_argument("org_id", type=UUID)
        if needs_uri:
            command.add_argument("uri")
        command.add_argument("--data-dir")
        command.set_defaults(func=run, redirect_action=name)


def run(args: argparse.Namespace) -> int:

    with one_transaction(ready_url(settings_from(args))) as conn:
        try:
            if args.redirect_action == "add":
                uris = lender.add_redirect_uri(conn, args.org_id, args.uri, by="cli")
            elif args.redirect_action == "remove":
                uris = lender.remove_redirect_uri(conn, args.org_id, args.uri, by="cli")
            else:
                uris = lender.redirect_uris(conn, args.org_id)
        except DomainError as exc:
            raise SystemExit(f"bureau: {exc.field or 'input'}: {exc.detail}") from None
    for uri in uris:
        print(uri)
    return 0
