"""Where the bureau may send a webhook: checked when an endpoint is registered, and again,
against the addresses its host resolves to, every time a delivery is sent.

Registration: `https`, or `http` to a loopback address in the sandbox. Delivery: the host is
resolved then and there, and any private, loopback (outside the sandbox), link-local (which
holds the cloud metadata service, 169.254.169.254), multicast, reserved or unspecified address
is refused: a URL cannot be used to make the bureau reach inside its own network (server-side
request forgery), even if its DNS changes after registration.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from bureau.errors import InvalidInput

Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the IP addresses it resolves to."""

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})


class UnsafeDestination(Exception):
    """A delivery refused before any connection: the reason is recorded on the attempt."""


def check_endpoint_url(url: str, sandbox: bool, field: str = "url") -> str:
    """The URL as registered, or InvalidInput naming `field` and why."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InvalidInput("not a valid URL", field=field) from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(
            "the URL must be https (or http to loopback in the sandbox)", field=field
        )
    if not parts.hostname:
        raise InvalidInput("the URL needs a host", field=field)
    if parts.username or parts.password:
        raise InvalidInput("the URL must not carry credentials", field=field)
    if parts.fragment:
        raise InvalidInput("the URL must not have a #fragment", field=field)
    if parts.scheme == "http" and not (sandbox and parts.hostname in LOOPBACK_HOSTS):
        raise InvalidInput(
            "http is allowed only to 127.0.0.1, [::1] or localhost, and only in the sandbox; "
            "use https",
            field=field,
        )
    del port
    return url.strip()


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def unsafe_reason(address: str, allow_loopback: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "not a public unicast address"
    return None


def check_destination(url: str, sandbox: bool, resolver: Resolver = system_resolver) -> list[str]:
    """The addresses a delivery to `url` may use now, or UnsafeDestination saying why not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeDestination("not an http(s) URL")
    if parts.scheme == "http" and not sandbox:
        raise UnsafeDestination("plain http outside the sandbox")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise UnsafeDestination(f"{host} does not resolve: {exc}") from None
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve")
    for address in addresses:
        reason = unsafe_reason(address, allow_loopback=sandbox)
        if reason is not None:
            raise UnsafeDestination(f"{host} resolves to {address}, {reason}")
    return addresses
