"""Redirect URIs: what an operator may register, and when a requested one matches. Pure.

Exact string match, except loopback URIs (`http://127.0.0.1/…`, `http://[::1]/…`), which match
whatever port the request names (RFC 8252 §7.3: a native or test client listens on a port the
system gives it). `localhost` is not treated as loopback (RFC 8252 §8.3: it can resolve
elsewhere).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bureau.errors import InvalidInput

LOOPBACK = frozenset({"127.0.0.1", "::1"})


def check_registrable(uri: str, field: str = "redirect_uris") -> str:
    """The URI as it will be stored, or InvalidInput naming `field` and why."""
    text = uri.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise InvalidInput(f"{uri!r} is not a valid URI", field=field) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(f"{uri!r}: an absolute https URI is required", field=field)
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise InvalidInput(
            f"{uri!r}: http only for loopback (127.0.0.1 or [::1]); use https", field=field
        )
    if parts.fragment or "#" in text:
        raise InvalidInput(f"{uri!r}: a redirect URI has no #fragment", field=field)
    if len(text) > 2000:
        raise InvalidInput("at most 2000 characters", field=field)
    return text


def _is_loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        return parts.scheme == "http" and parts.hostname in LOOPBACK
    except ValueError:
        return False


def _without_port(uri: str) -> tuple[str, str, str, str]:
    parts = urlsplit(uri)
    return parts.scheme, parts.hostname or "", parts.path or "/", parts.query


def matches(registered: list[str], requested: str) -> bool:
    if requested in registered:
        return True
    if not _is_loopback(requested):
        return False
    try:
        wanted = _without_port(requested)
        urlsplit(requested).port  # noqa: B018 - a bad port is no match
    except ValueError:
        return False
    return any(_is_loopback(r) and _without_port(r) == wanted for r in registered)
