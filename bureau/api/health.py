"""Liveness and readiness: is the database answering, which regime is live."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import bureau
from bureau.api.deps import Tx
from bureau.policy.regime import live_regime

router = APIRouter(tags=["health"])


@router.get("/health", summary="Service and database health")
def health(conn: Tx) -> dict[str, Any]:
    conn.execute("SELECT 1")
    return {
        "status": "ok",
        "database": "ok",
        "regime": live_regime().id,
        "version": bureau.__version__,
    }
