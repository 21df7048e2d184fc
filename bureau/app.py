"""The FastAPI application: routers, problem+json, and the resources every request uses.

Routers are listed by module path, so each domain owns its routes and this file only says
which are served. `bureau.app` is one of the few modules allowed to import consent/disputes.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

import bureau
from bureau.api import auth_first, docs, problems
from bureau.api.contract import operation_id
from bureau.api.edge import edge_app
from bureau.api.heap import startup_heap_frozen
from bureau.api.idempotency import Idempotency
from bureau.api.request_ids import server_log_config
from bureau.audit.background import SequencerProcess
from bureau.config import Settings
from bureau.db.pool import open_async_pool, open_pool
from bureau.db.server import check_reachable, database_url
from bureau.signing import SigningKey, signing_key_file
from bureau.vault import Vault
from bureau.web.error_pages import portal_error_page
from bureau.webhooks.delivery import Deliverer, WebhookWorker
from consent.disclosure import consent_section

ROUTER_MODULES: list[str] = [
    "bureau.api.health",
    "bureau.api.front_page",
    "bureau.orgs.routes",
    "bureau.file.routes",
    "bureau.furnishing.routes",
    "bureau.api.keys",
    "bureau.audit.routes",
    "consent.routes",
    "bureau.reports.routes",
    "consent.oauth.routes",
    "disputes.routes",
    "bureau.score.routes",
    "bureau.notices.routes",
    "bureau.subjects.routes",
    "bureau.web.routes",
    "bureau.webhooks.routes",
    "bureau.api.metrics",
]

__all__ = ["create_app", "server_log_config"]

TIMED_EMITTERS: list[str] = ["consent.webhook_events", "disputes.webhook_events"]
"""Modules whose `due_events` the webhook scheduler runs (grant.expired, dispute.deadline)."""

DESCRIPTION = """
A consent-based, financial-only consumer credit bureau. Subjects see everything held about them
and everyone who looked; no one reads a file without the subject's grant.

Authenticate with `Authorization: Bearer <key>`: an organization API key (`ffk_…`, scoped
`furnish`, `pull`, `operator` or `auditor`) or a subject token (`ffs_…`). Errors are RFC 9457
problem+json with a stable `type` and, where it applies, the offending `field`.
"""


def create_app(
    settings: Settings, pool: ConnectionPool | None = None, webhooks: bool | None = None
) -> FastAPI:
    """Build the app. Without a pool, one is opened at start-up and closed at shutdown.

    `webhooks`: run the webhook delivery worker and scheduler in this process (default: when
    the app opens its own pool, i.e. a served bureau; tests turn it on when they need it).
    """
    run_webhooks = pool is None if webhooks is None else webhooks

    @contextmanager
    def webhook_worker(app: FastAPI) -> Iterator[None]:
        if not run_webhooks:
            yield
            return
        worker = WebhookWorker(
            Deliverer(app.state.pool, vault=app.state.vault, sandbox=settings.sandbox),
            emitters=TIMED_EMITTERS,
        )
        worker.start()
        try:
            yield
        finally:
            worker.stop()

    # Served (no pool given): the key file is checked against the database, and refused if
    # missing, once the database is open (`Vault.for_database` in the lifespan). Serving never
    # creates a key: `bureau init` or the sandbox does.
    created_later = pool is None and not settings.key_file.exists()
    vault = None if created_later else Vault.from_key_file(settings.key_file)

    @asynccontextmanager
    async def async_pool(app: FastAPI, url: str) -> AsyncIterator[None]:
        """Report pulls' async pool (`bureau.api.deps.get_async_pool`), opened in the serving
        loop, from the same conninfo as the sync pool. Kept per loop: an async pool's
        connections belong to the loop that opened them, and tests serve one app from several
        loops at once (one per TestClient)."""
        loop = asyncio.get_running_loop()
        app.state.async_pools[loop] = await open_async_pool(url)
        try:
            yield
        finally:
            await app.state.async_pools.pop(loop).close()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if pool is not None:
            app.state.pool = pool
            conninfo = pool.conninfo if isinstance(pool.conninfo, str) else pool.conninfo()
            async with async_pool(app, conninfo):
                with webhook_worker(app):
                    yield
            return
        url = database_url(settings)
        check_reachable(url)
        app.state.pool = open_pool(url, max_size=settings.pool.size, timeout=settings.pool.timeout)
        # /health's own connection: it answers (and says so) when the pool is exhausted.
        app.state.health_pool = open_pool(url, min_size=1, max_size=1)
        try:
            with app.state.pool.connection() as conn:
                app.state.vault = Vault.for_database(settings.key_file, conn)
        except BaseException:
            app.state.pool.close()
            app.state.health_pool.close()
            raise
        # Numbers committed access-log entries every `sequence_interval`, in its own process
        # (tests pass their own pool and sequence on demand, when a tree head is signed).
        sequencer = SequencerProcess(
            url, signing_key_file(settings.key_file), settings.sequence_interval.total_seconds()
        )
        sequencer.start()
        try:
            async with async_pool(app, url):
                with startup_heap_frozen(), webhook_worker(app):
                    yield
        finally:
            sequencer.stop()
            app.state.pool.close()
            app.state.health_pool.close()

    app = edge_app(
        settings,
        title="fairfile",
        version=bureau.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.async_pools = {}
    app.state.vault = vault
    app.state.signing_key = SigningKey.load(signing_key_file(settings.key_file))
    # Statements come with the file itself (`bureau.file.disclosure`, which also keeps a
    # report's to the items it carries).
    app.state.disclosure_sections = [consent_section]
    if pool is not None:
        app.state.pool = pool
    problems.install(app, page=portal_error_page)
    for name in ROUTER_MODULES:
        router = importlib.import_module(name).router
        auth_first.install(router)
        app.include_router(router)
    docs.install(app)
    app.add_middleware(Idempotency)
    return app
