"""Typed FastAPI dependencies: the request's transaction, the vault, and who is calling.

A route's signature says who may call it (`FurnisherKey`, `UserKey`, `Subject`, …) and that it
runs in one transaction (`Tx`): committed when the response is produced, rolled back on any
error, so an inquiry and its audit entry are written together or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from bureau.api.claims import ReportAnswer, current_claim
from bureau.auth.service import (
    OrgPrincipal,
    SubjectPrincipal,
    authenticate_org,
    authenticate_subject,
)
from bureau.config import Settings
from bureau.db.batch import Batch, run, run_async
from bureau.errors import Unauthenticated
from bureau.signing import SigningKey
from bureau.vault import Vault

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An organization API key or a subject token")

# The dependencies that only read app state are `async def`: FastAPI runs a plain `def`
# dependency in its thread pool, and each such hop cost a report pull a thread hand-off (and a
# wait for the GIL) for nothing. Database work stays sync, except report pulls, which run on the
# event loop with psycopg's async API (`UserOnTheLoop`).


async def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


async def get_async_pool(request: Request) -> AsyncConnectionPool:
    """The async pool opened by the app's lifespan in the loop serving this request."""
    pool: AsyncConnectionPool = request.app.state.async_pools[asyncio.get_running_loop()]
    return pool


async def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


async def get_signing_key(request: Request) -> SigningKey:
    key: SigningKey = request.app.state.signing_key
    return key


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_transaction(
    pool: Annotated[ConnectionPool, Depends(get_pool)],
) -> Iterator[psycopg.Connection[Any]]:
    """The request's one transaction; an exception anywhere in the route rolls it back.

    A request with an `Idempotency-Key` runs in the transaction its claim holds
    (`bureau.api.idempotency`): the key's lock is taken there, and its response stored there."""
    claim = current_claim()
    if claim is not None:
        # No savepoint (two round trips): the claim rolls the whole transaction back on any
        # error answer, and commits only after storing a 2xx one.
        yield claim.connection(pool)
        return
    with pool.connection() as conn, conn.transaction():
        yield conn


# scope="function": commit when the route returns, before the response is sent. With FastAPI's
# default ("request") the commit runs after the client already has the response, so a client
# could act on data that is not committed yet, or hold a report whose log entry then fails.
Tx = Annotated[psycopg.Connection[Any], Depends(request_transaction, scope="function")]
VaultDep = Annotated[Vault, Depends(get_vault)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SignerDep = Annotated[SigningKey, Depends(get_signing_key)]
"""The bureau's Ed25519 key: signs consent receipts, reports and tree heads."""


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@asynccontextmanager
async def async_transaction(
    pool: AsyncConnectionPool, first: Batch[T]
) -> AsyncIterator[tuple[psycopg.AsyncConnection[Any], T]]:
    """`request_transaction` on the event loop (report pulls), with its first read's answer
    (the caller's authentication): the same one transaction, committed when the route returns.
    With an `Idempotency-Key` it is the claim's, and `first` goes in the round trip that takes
    the key's lock and looks for its record."""
    claim = current_claim()
    if claim is not None:
        yield await claim.async_connection(pool, first)
        return
    async with pool.connection() as conn, conn.transaction():
        yield conn, await run_async(conn, first)


@dataclass(frozen=True)
class OnTheLoop:
    """What a route on the event loop works with: its transaction, the organization that
    called (authenticated in that transaction, its scope checked) and the app's vault,
    signing key and settings; on a pull sent with an `Idempotency-Key`, how its answer is
    stored (`report_answer`, for the release's own statement)."""

    conn: psycopg.AsyncConnection[Any]
    org: OrgPrincipal
    vault: Vault
    key: SigningKey
    settings: Settings
    report_answer: ReportAnswer | None = None


def _on_the_loop(scope: str) -> Any:
    """One dependency for a route on the event loop, where there were six (pool, transaction,
    bearer, principal, scope, vault, key, settings): FastAPI solves each dependency per
    request, and on the bureau's busiest route that solving cost more than the grant check.
    The bearer credential stays its own dependency, so the spec still names the scheme."""

    async def dependency(request: Request, credentials: BearerDep) -> AsyncIterator[OnTheLoop]:
        state = request.app.state
        caller = authenticate_org(presented_key(credentials)).then(lambda p: _org_key(p, scope))
        async with async_transaction(await get_async_pool(request), caller) as (conn, org):
            claim = current_claim()
            yield OnTheLoop(conn, org, state.vault, state.signing_key, state.settings,
                            claim.report_answer() if claim is not None else None)  # fmt: skip

    dependency.__name__ = f"{scope}_key_on_the_loop"
    return dependency


def presented_key(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token from an `Authorization` header, or 401 naming the header."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send 'Authorization: Bearer <key>'", field="authorization")
    return credentials.credentials


def org_principal(
    conn: Tx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> OrgPrincipal:
    return run(conn, authenticate_org(presented_key(credentials)))


def _org_key(principal: OrgPrincipal, scope: str) -> OrgPrincipal:
    """The one check of an organization key's scope, on the sync path and on the loop."""
    principal.require(scope)
    return principal


def _scoped(scope: str) -> Any:
    async def dependency(
        principal: Annotated[OrgPrincipal, Depends(org_principal)],
    ) -> OrgPrincipal:
        return _org_key(principal, scope)

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


def subject_principal(
    conn: Tx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> SubjectPrincipal:
    return authenticate_subject(conn, presented_key(credentials))


AnyOrgKey = Annotated[OrgPrincipal, Depends(org_principal)]
FurnisherKey = Annotated[OrgPrincipal, Depends(_scoped("furnish"))]
UserKey = Annotated[OrgPrincipal, Depends(_scoped("pull"))]
OperatorKey = Annotated[OrgPrincipal, Depends(_scoped("operator"))]
AuditorKey = Annotated[OrgPrincipal, Depends(_scoped("auditor"))]
Subject = Annotated[SubjectPrincipal, Depends(subject_principal)]
UserOnTheLoop = Annotated[OnTheLoop, Depends(_on_the_loop("pull"), scope="function")]
"""A `pull` key's routes on the event loop (report pulls and re-deliveries): `UserKey` and
`Tx` in one dependency, committed when the route returns (see `Tx`)."""
OperatorOnTheLoop = Annotated[OnTheLoop, Depends(_on_the_loop("operator"), scope="function")]
