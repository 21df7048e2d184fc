"""The API docs work offline: Swagger UI and ReDoc come from packaged assets, and a browser
with every outside request blocked renders the operations."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.browser import launched_chromium, playwright_or_skip, serving

playwright_sync = playwright_or_skip()


def test_the_docs_pages_name_no_outside_host(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "/docs-assets/" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


OPERATIONS = {"/docs": ".opblock", "/redoc": "[data-section-id^='operation/']"}


@pytest.mark.parametrize("page", sorted(OPERATIONS))
def test_the_docs_render_every_operation_with_the_network_blocked(app: FastAPI, page: str) -> None:
    outside: list[str] = []
    with serving(app) as base, launched_chromium(playwright_sync) as browser:
        context = browser.new_context()

        def only_local(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(base):
                route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(f"{route.request.resource_type} {url}")  # type: ignore[attr-defined]
                route.abort()  # type: ignore[attr-defined]

        context.route("**/*", only_local)
        tab = context.new_page()
        tab.goto(base + page)
        tab.wait_for_selector(OPERATIONS[page], timeout=20_000)
        shown = tab.locator(OPERATIONS[page]).count()
        context.close()
    # Nothing the page needs comes from outside: ReDoc's footer asks for its maker's logo (an
    # image, blocked here, and the page is whole without it); no script, style or font does.
    assert [u for u in outside if not u.startswith("image ")] == []
    assert shown >= 20
