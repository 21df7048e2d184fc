"""The portal in a real browser (headless Chromium): a person's journey, keyboard only, own data only.

One server and one browser for the module; each test gets a fresh browser context (no shared
cookies). Screenshots of each page go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool

from bureau.sandbox.seed import SeedResult
from bureau.web.wording import long_date
from tests.conftest import bearer
from tests.web.browser import (
    SCREENSHOTS,
    UNLABELLED,
    fresh_page,
    launched_chromium,
    playwright_or_skip,
    serving,
)
from tests.web.conftest import Person, store_results_notice
from tests.web.portal import PAGES

# In CI a missing playwright is a failure (the `test` extra installs it); elsewhere a skip.
playwright_sync = playwright_or_skip()
expect = playwright_sync.expect
if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OVERFLOWS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium(playwright_sync) as chromium:
        yield chromium


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    with fresh_page(browser, base_url, viewport={"width": 1024, "height": 900}) as page:
        yield page


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_accessible(page: Page) -> None:
    assert page.evaluate(UNLABELLED) == [], "every form control needs a label"
    assert page.locator("h1").count() == 1, "one main heading per page"
    assert page.locator("main").count() == 1


def sign_in(page: Page, token: str) -> None:
    page.goto("/portal/signin")
    page.get_by_label("Your credential").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My credit file")


def pull(client: TestClient, sandbox: SeedResult, grant_id: str) -> Any:
    body = {"grant_id": grant_id, "purpose": "credit-transaction", "scope": "full"}
    return client.post("/v1/reports", json=body, headers=bearer(sandbox.org_keys["lumen"]["key"]))


def test_a_person_uses_their_rights_from_sign_in_to_sign_out(
    page: Page, person: Person, sandbox: SeedResult, client: TestClient
) -> None:
    page.goto("/portal/signin")
    assert_accessible(page)
    shot(page, "01-sign-in")
    sign_in(page, person.token)
    assert_accessible(page)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "ff_portal"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert person.token.split("_", 2)[2] not in cookie["value"]  # the secret, whole
    assert page.evaluate("document.cookie") == "", "no portal cookie is readable by scripts"

    # Find the account, in words, with its source and its 24-month strip.
    account = page.get_by_role("region", name=re.compile("Credit card from Northwind Bank"))
    expect(account).to_contain_text("reported by Northwind Bank")
    expect(account).to_contain_text("Current account (0-29 days past the due date)")
    expect(account.locator("ol.strip li")).to_have_count(24)
    expect(account.locator("ol.strip li.late")).to_have_count(1)
    shot(page, "02-my-file")

    # Dispute it from its row and see the answer-due date.
    account.get_by_role("link", name=re.compile("Dispute this account")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dispute: Credit card")
    assert_accessible(page)
    page.get_by_label("What is wrong", exact=True).select_option(label="I was not late as reported")
    page.get_by_label("Tell us more").fill("I paid on time; my bank statement shows it.")
    shot(page, "03-dispute-form")
    page.get_by_role("button", name="Send my dispute").click()
    expect(page.get_by_text("Dispute received.")).to_be_visible()
    (dispute,) = client.get("/v1/me/disputes", headers=person.headers).json()["disputes"]
    due = long_date(date.fromisoformat(dispute["due_on"]))
    expect(page.locator("strong.due")).to_have_text(due)
    assert_accessible(page)
    shot(page, "04-disputes")

    # The furnisher verifies it; the results letter arrives in the notices inbox.
    answer = client.post(
        f"/v1/furnisher/disputes/{dispute['dispute_id']}/response", json={"code": "verified"},
        headers=bearer(sandbox.org_keys["northwind"]["key"]),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    page.get_by_role("link", name="Notices", exact=True).click()
    assert_accessible(page)
    shot(page, "05-notices")
    page.get_by_role("link", name="The results of your dispute").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The results of your dispute")
    expect(page.get_by_text("The furnisher verified the item as reported.")).to_be_visible()
    shot(page, "06-notice-letter")

    # Grant a consent, revoke it, and the lender's pull is refused.
    page.get_by_role("link", name="Consents").click()
    page.get_by_label("Who may see it").select_option(label="Lumen Lending")
    page.get_by_label("As often as needed until it ends").check()
    page.get_by_role("button", name="Give consent").click()
    expect(page.get_by_text("Consent granted.")).to_be_visible()
    assert_accessible(page)
    shot(page, "07-consents")
    grant_id = page.locator("tr[id^=grant-]").first.get_attribute("id").removeprefix("grant-")  # type: ignore[union-attr]
    assert pull(client, sandbox, grant_id).status_code == 201
    page.get_by_role("button", name="Revoke consent for Lumen Lending").click()
    expect(page.get_by_text("Consent revoked.")).to_be_visible()
    refused = pull(client, sandbox, grant_id)
    assert refused.status_code == 403 and refused.json()["type"].endswith("grant-revoked")
    shot(page, "08-consent-revoked")

    # Freeze, then unfreeze.
    page.get_by_role("link", name="Freeze and alerts").click()
    page.get_by_role("button", name="Freeze my file").click()
    expect(page.get_by_text("Your file is frozen.")).to_be_visible()
    assert_accessible(page)
    shot(page, "09-frozen")
    page.get_by_role("button", name="Unfreeze my file").click()
    expect(page.get_by_text("The freeze is lifted.")).to_be_visible()

    # My score, and a what-if.
    page.get_by_role("link", name="My score").click()
    expect(page.locator(".big-score")).to_have_text(str(client.get(
        "/v1/me/score", headers=person.headers).json()["score"]))  # fmt: skip
    page.get_by_label("Months of on-time payments from now").fill("12")
    page.get_by_role("button", name="Show what would change").click()
    expect(page.get_by_text("Nothing was changed on your file.")).to_be_visible()
    assert_accessible(page)
    shot(page, "10-score")

    # Who looked: every entry checked and shown as verified.
    page.get_by_role("link", name="Who looked").click()
    rows = page.locator("tbody tr")
    expect(page.get_by_text(re.compile(r"All \d+ entries shown here verified"))).to_be_visible()
    assert rows.count() == page.locator(".badge.verified").count() > 0
    assert_accessible(page)
    shot(page, "11-who-looked")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/portal/file")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your credit file")


def test_the_portal_works_with_the_keyboard_alone_and_at_phone_width(
    page: Page, person: Person
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/portal/signin")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "token":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token", (
        "the credential field is reachable"
    )
    page.keyboard.type(person.token)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My credit file")
    shot(page, "12-my-file-phone")
    for path in PAGES:
        page.goto(path)
        assert not page.evaluate(OVERFLOWS), f"no sideways scrolling at phone width on {path}"
        assert_accessible(page)
    page.goto("/portal/file")

    tab_to(page, "Notices")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices")
    focus_ring = page.evaluate(
        "(() => { const a = document.querySelector('nav a'); a.focus();"
        " return getComputedStyle(a).outlineStyle; })()"
    )
    assert focus_ring != "none", "focused links show where the keyboard is"

    # File a dispute with the keyboard alone: Tab to the row's link, choose, type, send.
    page.goto("/portal/file")
    tab_to(page, "Dispute this account: Credit card from Northwind Bank")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dispute: Credit card")
    tab_to(page, None, element_id="reason")
    page.keyboard.press("ArrowDown")
    tab_to(page, None, element_id="description")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "Send my dispute")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Dispute received.")).to_be_visible()


def tab_to(page: Page, text: str | None, element_id: str | None = None, limit: int = 60) -> None:
    """Press Tab until the focused element has this text (or id); fail if it never comes."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.textContent.trim(), document.activeElement.id]"
        )
        if (text is not None and focused[0] == text) or (element_id and focused[1] == element_id):
            return
    raise AssertionError(f"the keyboard never reaches {text or element_id!r}")


def test_subject_a_never_sees_subject_bs_data_in_the_browser(
    page: Page, person: Person, other_person: Person, pool: ConnectionPool
) -> None:
    b_notice = store_results_notice(pool, str(other_person.subject_id), "A letter only B may read")
    sign_in(page, person.token)
    for path in ("/portal/file", "/portal/notices", "/portal/access-log", "/portal/disputes"):
        page.goto(path)
        content = page.content()
        assert person.name in content or path != "/portal/file"
        assert other_person.name not in content and str(other_person.subject_id) not in content
    response = page.goto(f"/portal/disputes/new?item={other_person.card}")
    assert response is not None and response.status == 404
    response = page.goto(f"/portal/notices/{b_notice}")
    assert response is not None and response.status == 404
    assert "A letter only B may read" not in page.content()
    assert "Traceback" not in page.content()
    shot(page, "13-not-found")
