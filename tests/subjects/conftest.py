"""Erasure acts through consent's flows (a person with a Northwind account, the sandbox's
organisations), so it shares consent's fixtures."""

from tests.consent.conftest import auditor, lumen, northwind, operator, person  # noqa: F401
