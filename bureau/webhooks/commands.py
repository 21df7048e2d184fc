"""`bureau webhooks add|list|deliver|schedule`: endpoints, and sending for separate deployments."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from bureau.commandline import settings_from
from bureau.db.pool import one_transaction, open_pool
from bureau.db.server import ready_url
from bureau.errors import DomainError
from bureau.vault import Vault
from bureau.webhooks import endpoints, timed
from bureau.webhooks.delivery import Deliverer
from bureau.webhooks.events import EVENT_TYPES


def register(subparsers: Any) -> None:
    hooks = subparsers.add_parser("webhooks", help="webhook endpoints and deliveries")
    sub = hooks.add_subparsers(dest="webhooks_command", required=True)
    add = sub.add_parser("add", help="register an endpoint (its signing secret is shown once)")
    add.add_argument("org_id", type=UUID)
    add.add_argument("url")
    add.add_argument("--events", required=True, help="comma-separated: " + ", ".join(EVENT_TYPES))
    add.add_argument("--data-dir")
    add.set_defaults(func=run_add)
    listing = sub.add_parser("list", help="an organization's endpoints")
    listing.add_argument("org_id", type=UUID)
    listing.add_argument("--data-dir")
    listing.set_defaults(func=run_list)
    deliver = sub.add_parser("deliver", help="send due deliveries (once, or --forever)")
    deliver.add_argument("--forever", action="store_true", help="keep sending every second")
    deliver.add_argument("--data-dir")
    deliver.set_defaults(func=run_deliver)
    schedule = sub.add_parser("schedule", help="emit due time-driven events (run every minute)")
    schedule.add_argument("--data-dir")
    schedule.set_defaults(func=run_schedule)


def _settings(args: argparse.Namespace) -> Any:

    return settings_from(args)


def run_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    with one_transaction(ready_url(settings)) as conn:
        vault = Vault.for_database(settings.key_file, conn)
        try:
            view = endpoints.register(conn, vault, args.org_id, args.url, events,
                                      settings.sandbox, datetime.now(UTC), by="cli")  # fmt: skip
        except DomainError as exc:
            raise SystemExit(f"bureau: {exc.field or 'input'}: {exc.detail}") from None
    print(f"endpoint {view['endpoint_id']} {view['url']} [{','.join(view['event_types'])}]")
    print(f"signing secret (shown once): {view['secret']}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with one_transaction(ready_url(_settings(args))) as conn:
        rows = endpoints.listing(conn, args.org_id)
    for row in rows:
        state = "disabled" if row.disabled_at else "enabled"
        print(f"{row.endpoint_id}  {state:<8} {row.url}  [{','.join(row.event_types)}]")
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    settings = _settings(args)
    url = ready_url(settings)
    with one_transaction(url) as conn:
        vault = Vault.for_database(settings.key_file, conn)
    pool = open_pool(url, max_size=4)
    deliverer = Deliverer(pool, vault=vault, sandbox=settings.sandbox)
    try:
        while True:
            sent = deliverer.deliver_due()
            if not args.forever:
                print(f"attempted {sent} deliveries")
                return 0
            time.sleep(1)
    finally:
        deliverer.close()
        pool.close()


def run_schedule(args: argparse.Namespace) -> int:
    from bureau.app import TIMED_EMITTERS

    pool = open_pool(ready_url(_settings(args)), max_size=1)
    try:
        print(f"emitted {timed.emit_due(pool, datetime.now(UTC), TIMED_EMITTERS)} events")
    finally:
        pool.close()
    return 0
