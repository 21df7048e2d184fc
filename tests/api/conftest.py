"""The API tests pull reports and grant consents, so they share the consent flows' fixtures."""

from tests.consent.conftest import acme, lumen, northwind, operator, person  # noqa: F401
