"""GET /v1/keys: the bureau's public signing keys, so anyone can verify what it signed offline."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bureau.api.deps import SignerDep

router = APIRouter(tags=["keys"])


class Jwk(BaseModel):
    """An Ed25519 public key (RFC 8037 OKP JWK)."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str = Field(description="the public key, base64url")
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class Jwks(BaseModel):
    keys: list[Jwk]


@router.get(
    "/v1/keys",
    response_model=Jwks,
    summary="The bureau's public keys (JWK Set) for receipts, reports and tree heads",
)
def signing_keys(key: SignerDep) -> dict[str, Any]:
    return key.jwks()
