"""GET /v1/keys: the bureau's public signing keys, so anyone can verify what it signed offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bureau.api.deps import SignerDep

router = APIRouter(tags=["keys"])


@router.get(
    "/v1/keys",
    summary="The bureau's public keys (JWK Set) for receipts, reports and tree heads",
)
def signing_keys(key: SignerDep) -> dict[str, Any]:
    return key.jwks()
