"""The access-log tests act through consent flows, so they share consent's fixtures."""

from tests.consent.conftest import auditor, lumen, operator, person  # noqa: F401
