"""Browser fixtures: the shop served on a free local port, and a page in Debian's Chromium.

Playwright's own browser download is never used: the tests drive ``/usr/bin/chromium``
(``apt-get install chromium``). Without it they are skipped, except in CI (``CI=true``),
where a missing browser is a failure: CI always installs it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Written only when SHOP_SCREENSHOTS is set, for a person to look at.
SCREENSHOT_DIR = Path("/tmp/shots")  # noqa: S108  (a fixed, documented place to look at)
TIMEOUT_MS = 10_000


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The session app served by a real HTTP server on a free port; yields its base URL.

    Function-scoped, so it is shut down before the autouse ``_clean_database`` teardown
    empties the tables: no request can still be running then.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium, launched once per session."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser, live_server: str) -> Iterator[Page]:
    """A fresh page (own cookies) whose relative URLs go to the live server.

    The viewport is wide enough for the navbar not to collapse into its burger menu.
    """
    context = chromium.new_context(
        base_url=live_server,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """``screenshot(page, "basket")`` saves /tmp/shots/basket.png when SHOP_SCREENSHOTS is set."""

    def take(page: Page, name: str) -> None:
        if not os.environ.get("SHOP_SCREENSHOTS"):
            return
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return take
