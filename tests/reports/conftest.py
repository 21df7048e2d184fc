"""Re-delivery pulls reports through consent flows, so it shares their fixtures."""

from tests.consent.conftest import acme, lumen, operator, person  # noqa: F401
