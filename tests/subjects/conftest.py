"""Erasure acts through consent's flows (a person with a Northwind account, the sandbox's
organisations), so it shares consent's fixtures; key adoption needs databases of its own, as
the vault's maintenance tests do."""

from tests.consent.conftest import auditor, lumen, northwind, operator, person  # noqa: F401
from tests.vault.conftest import migrated_template, own_database  # noqa: F401
