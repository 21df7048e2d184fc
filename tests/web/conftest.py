from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
def browser_client(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient on https://, as a browser would hold the portal's Secure cookies."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
