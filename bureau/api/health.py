"""Liveness and readiness: is the database answering, is the pool free, which regime is live.

`/health` runs on a connection of its own (a one-connection pool the served app reserves), so
it answers even when every pooled connection is taken, and then says so instead of timing out
with everyone else.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, Field

import bureau
from bureau.policy.regime import live_regime

router = APIRouter(tags=["health"])


def _pool_state(pool: ConnectionPool) -> dict[str, int | str]:
    stats = pool.get_stats()
    size, available = stats.get("pool_size", 0), stats.get("pool_available", 0)
    busy = size - available
    exhausted = busy >= pool.max_size
    return {"state": "exhausted" if exhausted else "ok", "in_use": busy,
            "max_size": pool.max_size, "waiting": stats.get("requests_waiting", 0)}  # fmt: skip


class PoolHealth(BaseModel):
    state: Literal["ok", "exhausted"]
    in_use: int
    max_size: int
    waiting: int


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok"]
    pool: PoolHealth
    regime: str = Field(description="the id of the live regime")
    version: str


@router.get(
    "/health", response_model=Health, summary="Service, database and connection-pool health"
)
def health(request: Request) -> dict[str, Any]:
    main: ConnectionPool = request.app.state.pool
    reserved: ConnectionPool = getattr(request.app.state, "health_pool", main)
    with reserved.connection(timeout=5) as conn:
        conn.execute("SELECT 1")
    pool = _pool_state(main)
    return {
        "status": "ok" if pool["state"] == "ok" else "degraded",
        "database": "ok",
        "pool": pool,
        "regime": live_regime().id,
        "version": bureau.__version__,
    }
