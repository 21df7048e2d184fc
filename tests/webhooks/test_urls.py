"""Where the bureau may deliver: registration rules and the delivery-time SSRF guard."""

from __future__ import annotations

import pytest

from bureau.errors import InvalidInput
from bureau.webhooks.urls import UnsafeDestination, check_destination, check_endpoint_url


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example/x", "file:///etc/passwd", "gopher://x", "hooks.example/x",
     "https://user:pw@hooks.example/x", "https://hooks.example/x#frag"],
)  # fmt: skip
def test_a_webhook_url_that_is_not_plain_http_or_https_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_endpoint_url(url, sandbox=True)
    assert refused.value.field == "url"


def test_http_is_allowed_only_to_loopback_and_only_in_the_sandbox() -> None:
    assert check_endpoint_url("http://127.0.0.1:9000/h", sandbox=True)
    with pytest.raises(InvalidInput):
        check_endpoint_url("http://127.0.0.1:9000/h", sandbox=False)
    with pytest.raises(InvalidInput):
        check_endpoint_url("http://hooks.example/h", sandbox=True)
    assert check_endpoint_url("https://hooks.example/h", sandbox=False)


@pytest.mark.parametrize(
    ("url", "resolves_to"),
    [
        ("https://10.0.0.1/h", "10.0.0.1"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://hooks.example/h", "10.0.0.1"),
        ("https://hooks.example/h", "169.254.169.254"),
        ("https://hooks.example/h", "192.168.1.5"),
        ("https://hooks.example/h", "fe80::1"),
        ("https://hooks.example/h", "::ffff:10.0.0.1"),
        ("https://hooks.example/h", "127.0.0.1"),
    ],
)
def test_a_url_resolving_to_a_private_link_local_or_metadata_address_is_refused(
    url: str, resolves_to: str
) -> None:
    with pytest.raises(UnsafeDestination):
        check_destination(url, sandbox=False, resolver=lambda host, port: [resolves_to])


def test_literal_internal_addresses_are_refused_with_the_system_resolver() -> None:
    for url in ("https://10.0.0.1/h", "https://169.254.169.254/h"):
        with pytest.raises(UnsafeDestination):
            check_destination(url, sandbox=True)


def test_a_public_address_is_allowed() -> None:
    assert check_destination("https://hooks.example/h", False, lambda h, p: ["93.184.215.14"])
