"""The hostile-client tests pull reports through consent flows, so they share its fixtures."""

from tests.consent.conftest import lumen, person  # noqa: F401
