"""`bureau serve [--sandbox]` and `bureau sandbox seed`: run the bureau, seeded or not."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from dataclasses import replace
from datetime import date
from typing import Any

from bureau.commandline import Subparsers, settings_from
from bureau.config import ISSUER_ENV, Settings, SettingsInvalid, check_issuer
from bureau.db.migrate import migrate
from bureau.db.pool import one_transaction
from bureau.db.server import check_reachable, database_url, stop_embedded
from bureau.sandbox import webhook_sink
from bureau.sandbox.seed import SINK_PORT, SeedResult, seed_sandbox
from bureau.signing import SigningKey, signing_key_file
from bureau.vault import Vault
from bureau.vault.vault import VaultError


def register(subparsers: Subparsers) -> None:
    serve = subparsers.add_parser("serve", help="migrate and serve the API (sandbox: seeded)")
    serve.add_argument("--sandbox", action="store_true", help="seed and serve the sandbox bureau")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", help="embedded database and key directory (FAIRFILE_DATA_DIR)")
    serve.add_argument("--seed", type=int, default=1, help="sandbox seed (same seed, same data)")
    serve.add_argument(
        "--as-of", type=date.fromisoformat, help="sandbox date (default: 1st of month)"
    )
    serve.set_defaults(func=run_serve)

    seed = subparsers.add_parser("sandbox", help="sandbox tools")
    seed_sub = seed.add_subparsers(dest="sandbox_command", required=True)
    seed_cmd = seed_sub.add_parser("seed", help="migrate and seed the sandbox without serving")
    seed_cmd.add_argument("--data-dir")
    seed_cmd.add_argument("--seed", type=int, default=1)
    seed_cmd.add_argument("--as-of", type=date.fromisoformat)
    seed_cmd.set_defaults(func=run_seed)
    sink = seed_sub.add_parser(
        "webhook-sink",
        help="receive, check and show the sandbox lenders' webhook deliveries (port 8001)",
    )
    sink.add_argument("--data-dir", help="where sandbox-credentials.json was written")
    sink.add_argument("--port", type=int, default=SINK_PORT)
    sink.set_defaults(func=run_webhook_sink)


def _prepare(settings: Settings, seed: int | None, as_of: date | None) -> SeedResult | None:
    url = database_url(settings)
    check_reachable(url)
    migrate(url)
    if seed is None:
        return None
    # The sandbox makes its own keys (`bureau init` does it for a real bureau).
    SigningKey.load_or_create(signing_key_file(settings.key_file))
    with one_transaction(url) as conn:
        return seed_sandbox(conn, Vault.initialise(settings.key_file, conn), seed, as_of)


def _require_keys(settings: Settings) -> None:
    """A real bureau starts only with its keys: refused, naming the file, before serving."""
    if not settings.key_file.exists():
        raise VaultError(
            f"FAIRFILE_KEY_FILE: the key file ({settings.key_file}) does not exist; create the "
            "bureau's keys with `bureau init`, or point FAIRFILE_KEY_FILE at its key file"
        )
    SigningKey.load(signing_key_file(settings.key_file))


def _refuse_sandbox_database(settings: Settings) -> None:
    """Sandbox keys are derived from a public seed: never serve that database as a real one."""
    import psycopg

    with psycopg.connect(database_url(settings)) as conn:
        row = conn.execute("SELECT count(*) FROM sandbox_seeds").fetchone()
    if row and row[0]:
        raise SystemExit(
            "bureau: this database was seeded as a sandbox (its keys are public); "
            "serve it with --sandbox or use another data dir / DATABASE_URL"
        )


def _print_credentials(result: SeedResult, settings: Settings, base: str) -> None:
    out = sys.stdout
    state = "seeded" if result.seeded_now else "already seeded"
    print(f"\nfairfile sandbox ({state}: seed {result.seed}, as of {result.as_of})", file=out)
    print("Sandbox credentials are PUBLIC test keys. Never use them for real data.\n", file=out)
    print("Organizations (Authorization: Bearer <key>):", file=out)
    for slug, org in result.org_keys.items():
        print(f"  {slug:<18} {org['scopes']:<14} {org['key']}", file=out)
    print("\nPersonas (subject tokens, for GET /v1/me/file and the portal's sign-in):", file=out)
    for slug, persona in result.personas.items():
        print(f"  {slug:<26} {persona['token']}", file=out)
    path = settings.data_dir / "sandbox-credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"organizations": result.org_keys, "personas": result.personas}, handle, indent=2)
    print(f"\nAll of these, with persona stories: {path}", file=out)
    print(f"API docs: {base}/docs", file=out)
    print(
        f"Subject portal: {base}/portal/ (sign in with a persona's token)\n", file=out, flush=True
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarded-header handling: believed only from FAIRFILE_TRUSTED_PROXIES.

    uvicorn on its own trusts X-Forwarded-For from 127.0.0.1, so anyone on the host (or a local
    proxy passing the header through) could pick the address the sign-in limit counts."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.trusted_proxies}


def served_issuer(settings: Settings, host: str, port: int) -> Settings:
    """The settings with the OAuth issuer this `serve` answers as: FAIRFILE_ISSUER if set, else
    the loopback address served. On any other address the public origin is unknowable from
    here (a proxy, a name), so it must be set: never guessed from a request's Host."""
    if os.environ.get(ISSUER_ENV, "").strip():
        return settings
    shown = f"[{host}]" if ":" in host else host
    try:
        return replace(settings, issuer=check_issuer(f"http://{shown}:{port}"))
    except SettingsInvalid:
        raise SettingsInvalid(
            f"{ISSUER_ENV}: serving on {host}, set it to the bureau's public https origin "
            "(the OAuth issuer lenders are told, e.g. https://bureau.example)"
        ) from None


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bureau.app import create_app, server_log_config

    settings = served_issuer(settings_from(args), args.host, args.port)
    # uvicorn re-raises SIGTERM after its graceful shutdown; with the default action the process
    # would die there, before the `finally` below. As an exception it unwinds normally.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        result = _prepare(settings, args.seed if args.sandbox else None, args.as_of)
        if result is not None:
            _print_credentials(result, settings, f"http://{args.host}:{args.port}")
        else:
            _refuse_sandbox_database(settings)
            _require_keys(settings)
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                    log_config=server_log_config(), access_log=False,
                    **proxy_options(settings))  # fmt: skip
    finally:
        # The embedded PostgreSQL this process started would otherwise outlive it (found
        # running after every `serve` the tests start and stop).
        stop_embedded(settings.data_dir)
    return 0


def run_seed(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    result = _prepare(settings, args.seed, args.as_of)
    assert result is not None
    _print_credentials(result, settings, "http://127.0.0.1:8000")
    return 0


def run_webhook_sink(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    path = settings.data_dir / "sandbox-credentials.json"
    try:
        credentials = json.loads(path.read_text(encoding="utf-8"))
        secrets = webhook_sink.secrets_from(credentials)
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(
            f"bureau: {path}: no sandbox credentials with webhook secrets ({exc}); run "
            "`bureau serve --sandbox` (or `bureau sandbox seed`) with this --data-dir first"
        ) from None
    httpd = webhook_sink.server(webhook_sink.Sink(secrets), args.port)
    base = f"http://127.0.0.1:{args.port}"
    print(f"webhook sink for {', '.join(sorted(secrets))} on {base}/<lender>; "
          f"GET {base}/<lender> shows what arrived", flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        httpd.server_close()
    return 0


__all__ = ["register"]
