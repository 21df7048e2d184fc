"""Typed FastAPI dependencies: the request's transaction, the vault, and who is calling.

A route's signature says who may call it (`FurnisherKey`, `UserKey`, `Subject`, …) and that it
runs in one transaction (`Tx`): committed when the response is produced, rolled back on any
error, so an inquiry and its audit entry are written together or not at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from bureau.api.claims import current_claim
from bureau.auth.service import (
    OrgPrincipal,
    SubjectPrincipal,
    authenticate_org,
    authenticate_subject,
)
from bureau.config import Settings
from bureau.db.batch import run, run_async
from bureau.errors import Unauthenticated
from bureau.signing import SigningKey
from bureau.vault import Vault

_bearer = HTTPBearer(auto_error=False, description="An organization API key or a subject token")

# The dependencies that only read app state are `async def`: FastAPI runs a plain `def`
# dependency in its thread pool, and each such hop cost a report pull a thread hand-off (and a
# wait for the GIL) for nothing. Database work stays sync, except report pulls, which run on the
# event loop with psycopg's async API (`AsyncTx`).


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


AsyncPoolDep = Annotated[AsyncConnectionPool, Depends(get_async_pool)]
PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def async_request_transaction(
    pool: AsyncPoolDep,
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """`request_transaction` on the event loop (report pulls): the same one transaction, the
    claim's when the request has an `Idempotency-Key`, committed when the route returns."""
    claim = current_claim()
    if claim is not None:
        yield await claim.async_connection(pool)
        return
    async with pool.connection() as conn, conn.transaction():
        yield conn


AsyncTx = Annotated[
    psycopg.AsyncConnection[Any], Depends(async_request_transaction, scope="function")
]
"""The request's one transaction on an async connection (see `Tx`)."""


def presented_key(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token from an `Authorization` header, or 401 naming the header."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send 'Authorization: Bearer <key>'", field="authorization")
    return credentials.credentials


def org_principal(
    conn: Tx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> OrgPrincipal:
    return run(conn, authenticate_org(presented_key(credentials)))


def _scoped(scope: str) -> Any:
    async def dependency(
        principal: Annotated[OrgPrincipal, Depends(org_principal)],
    ) -> OrgPrincipal:
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


def subject_principal(
    conn: Tx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> SubjectPrincipal:
    return authenticate_subject(conn, presented_key(credentials))


async def async_org_principal(conn: AsyncTx, credentials: BearerDep) -> OrgPrincipal:
    """`org_principal` in the request's async transaction (`AsyncTx`)."""
    return await run_async(conn, authenticate_org(presented_key(credentials)))


def _async_scoped(scope: str) -> Any:
    async def dependency(
        principal: Annotated[OrgPrincipal, Depends(async_org_principal)],
    ) -> OrgPrincipal:
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope}_scope_async"
    return dependency


AnyOrgKey = Annotated[OrgPrincipal, Depends(org_principal)]
FurnisherKey = Annotated[OrgPrincipal, Depends(_scoped("furnish"))]
UserKey = Annotated[OrgPrincipal, Depends(_scoped("pull"))]
OperatorKey = Annotated[OrgPrincipal, Depends(_scoped("operator"))]
AuditorKey = Annotated[OrgPrincipal, Depends(_scoped("auditor"))]
Subject = Annotated[SubjectPrincipal, Depends(subject_principal)]
AsyncUserKey = Annotated[OrgPrincipal, Depends(_async_scoped("pull"))]
"""`UserKey` for the routes that run on the event loop (`AsyncTx`): report pulls."""
AsyncOperatorKey = Annotated[OrgPrincipal, Depends(_async_scoped("operator"))]
