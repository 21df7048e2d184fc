"""Operator CLI: register organizations and manage their API keys.

This is how a real deployment gets its first operator key (the API needs one to do anything),
and how an operator revokes a leaked key without a running server.
"""

from __future__ import annotations

import argparse
from uuid import UUID, uuid4

from bureau import events
from bureau.auth import repo
from bureau.auth.service import SCOPES, issue_api_key
from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import one_transaction
from bureau.db.server import ready_url

ROLES = ("furnisher", "user", "operator", "auditor")


def register(subparsers: Subparsers) -> None:
    org = subparsers.add_parser("org", help="register organizations (operator)")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    create = org_sub.add_parser("create", help="register an organization and issue its first key")
    create.add_argument("name")
    create.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(ROLES)}")
    create.add_argument("--scopes", help=f"first key's scopes ({', '.join(sorted(SCOPES))})")
    create.add_argument("--furnisher-code", help="Metro 2 identification number (furnishers)")
    create.add_argument("--data-dir")
    create.set_defaults(func=run_org_create)
    from consent.oauth.commands import register_under  # the OAuth client's part of an org

    register_under(org_sub)
    listing = org_sub.add_parser("list", help="list organizations and their keys")
    listing.add_argument("--data-dir")
    listing.set_defaults(func=run_org_list)

    key = subparsers.add_parser("key", help="issue or revoke API keys (operator)")
    key_sub = key.add_subparsers(dest="key_command", required=True)
    issue = key_sub.add_parser("issue", help="issue a key for an organization (shown once)")
    issue.add_argument("org_id", type=UUID)
    issue.add_argument("--scopes", required=True)
    issue.add_argument("--label", default="")
    issue.add_argument("--data-dir")
    issue.set_defaults(func=run_key_issue)
    revoke = key_sub.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.add_argument("--data-dir")
    revoke.set_defaults(func=run_key_revoke)


def _split(text: str | None, allowed: tuple[str, ...] | frozenset[str], name: str) -> list[str]:
    values = [v.strip() for v in (text or "").split(",") if v.strip()]
    unknown = sorted(set(values) - set(allowed))
    if unknown or not values:
        raise SystemExit(
            f"bureau: --{name}: expected some of {', '.join(sorted(allowed))}; got {text!r}"
        )
    return values


def _url(args: argparse.Namespace) -> str:
    return ready_url(settings_from(args))


def run_org_create(args: argparse.Namespace) -> int:
    roles = _split(args.roles, ROLES, "roles")
    default_scopes = {
        "furnisher": "furnish",
        "user": "pull",
        "operator": "operator",
        "auditor": "auditor",
    }
    scopes = _split(args.scopes or ",".join(default_scopes[r] for r in roles), SCOPES, "scopes")
    if "furnisher" in roles and not args.furnisher_code:
        raise SystemExit(
            "bureau: --furnisher-code: a furnisher needs its Metro 2 identification number"
        )
    with one_transaction(_url(args)) as conn:
        org_id = uuid4()
        repo.insert_organization(conn, org_id, args.name, roles, args.furnisher_code)
        token = issue_api_key(conn, org_id, scopes, "cli")
        events.publish(conn, events.OrganizationCreated(org_id=org_id, by="cli"))
        events.publish(conn, events.ApiKeyIssued(org_id=org_id, key_id=token.token_id,
                                                 scopes=scopes, by="cli"))  # fmt: skip
    print(f"organization {org_id} ({args.name}), roles {','.join(roles)}")
    print(f"key (shown once, scopes {','.join(scopes)}): {token}")
    return 0


def run_org_list(args: argparse.Namespace) -> int:
    with one_transaction(_url(args)) as conn:
        rows = repo.organizations_with_keys(conn)
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        key = f"{row.key_id} [{','.join(row.scopes or [])}] {state}" if row.key_id else "no keys"
        print(f"{row.org_id}  {row.name:<34} {','.join(row.roles):<18} {key}")
    return 0


def run_key_issue(args: argparse.Namespace) -> int:
    scopes = _split(args.scopes, SCOPES, "scopes")
    with one_transaction(_url(args)) as conn:
        if repo.organization(conn, args.org_id) is None:
            raise SystemExit(f"bureau: org_id: no organization {args.org_id}")
        token = issue_api_key(conn, args.org_id, scopes, args.label)
        events.publish(conn, events.ApiKeyIssued(org_id=args.org_id, key_id=token.token_id,
                                                 scopes=scopes, by="cli"))  # fmt: skip
    print(f"key (shown once, scopes {','.join(scopes)}): {token}")
    return 0


def run_key_revoke(args: argparse.Namespace) -> int:
    with one_transaction(_url(args)) as conn:
        if not repo.revoke_api_key(conn, args.key_id):
            raise SystemExit(f"bureau: key_id: no active key {args.key_id}")
        events.publish(conn, events.ApiKeyRevoked(key_id=args.key_id, by="cli"))
    print(f"revoked {args.key_id}")
    return 0
