"""The browser-test harness: the app on a free localhost port, and Debian's headless Chromium.

Chromium comes from the distribution (`apt-get install chromium`), never from `playwright
install`, and runs with background networking off so a test run makes no outside requests.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = os.environ.get("FAIRFILE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Every visible form control must have a label: <label for>, a wrapping <label>, or aria-label(ledby).
UNLABELLED = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)
"""


def playwright_or_skip() -> ModuleType:
    """playwright's sync API; in CI its absence is a failure, elsewhere the module is skipped."""
    if os.environ.get("CI"):
        return importlib.import_module("playwright.sync_api")
    return pytest.importorskip("playwright.sync_api")


@contextmanager
def fresh_page(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """A page in a context of its own (no cookies from another test) on `base_url`, waiting
    10 s at most for anything; `options` go to the context (viewport, bypass_csp)."""
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def chromium_or_skip() -> str:
    """The Chromium binary; in CI its absence is a failure, elsewhere a skip with the fix."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} not found: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launched_chromium(playwright_sync: ModuleType) -> Iterator[Any]:
    """Debian's Chromium under playwright (`playwright.sync_api`, imported by the caller, which
    decides whether its absence is a skip or a failure); closed on the way out."""
    executable = chromium_or_skip()
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run the app with uvicorn in a background thread (on `port`, or a free one); yields its
    base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="portal-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the portal server did not start")
        time.sleep(0.02)
    try:
        yield f"http://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
