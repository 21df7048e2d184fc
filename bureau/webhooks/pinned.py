"""One webhook POST, connected to the address that was checked and to no other.

Why: checking a host's addresses and then letting the HTTP client resolve the host again opens
a DNS-rebinding window: a receiver's DNS can answer the check with a public address and the
connection with 10.0.0.1 or 169.254.169.254. Here the connection goes to the addresses
`urls.check_destination` returned (tried in order), while the request keeps the URL's host
for the `Host` header, TLS SNI and certificate verification. httpcore (the transport under
httpx) takes a network backend, so only the TCP connect is replaced; nothing of HTTP or TLS is
reimplemented. No connection is kept alive: every delivery resolves, checks and connects anew.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore


class PinnedBackend(httpcore.SyncBackend):
    """Opens TCP connections for `host` only, to `addresses` only."""

    def __init__(self, host: str, addresses: Sequence[str]) -> None:
        self.host = host
        self.addresses = list(addresses)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host != self.host:
            raise httpcore.ConnectError(f"{host} is not the host whose addresses were checked")
        last: Exception = httpcore.ConnectError(f"{host} has no checked address")
        for address in self.addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # the next checked address, if any
                last = exc
        raise last


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None


def post(
    url: str,
    host: str,
    addresses: Sequence[str],
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    ssl_context: ssl.SSLContext,
) -> Answer:
    """POST `body` to `url`, connecting only to `addresses` (the checked ones for `host`)."""
    limits = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    with httpcore.ConnectionPool(
        ssl_context=ssl_context,
        network_backend=PinnedBackend(host, addresses),
        max_keepalive_connections=0,
    ) as pool:
        try:
            response = pool.request(
                "POST",
                url,
                headers=list(headers.items()),
                content=body,
                extensions={"timeout": limits},
            )
        except httpcore.TimeoutException:
            return Answer(None, "timed out")
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}")
    if 200 <= response.status < 300:
        return Answer(response.status, None)
    return Answer(response.status, f"answered {response.status}")
