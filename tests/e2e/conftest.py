"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's live
server. Needs `apt-get install chromium` and the playwright package (requirements-dev.txt);
`playwright install` is never run — the system browser is used."""

import contextlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "the playwright package is missing (pip install -r requirements-dev.txt)"
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to
    # set up data are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"


def save_screenshot(page, request, label: str = "end") -> Path:
    """Keeps what the page showed as a CI artefact: var/e2e-screenshots/<test>-<label>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{label}")[:180]
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def new_page(browser, live_server, request):
    """Opens a fresh browser context (its own cookies) per call; each page's last view is kept as a
    screenshot when the test ends, whatever its outcome."""
    contexts = []

    def make(locale: str = "vi-VN", **options):
        context = browser.new_context(locale=locale, base_url=live_server.url, **options)
        page = context.new_page()
        page.set_default_timeout(10_000)
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.dialogs = dialogs
        contexts.append((context, page))
        return page

    yield make
    for index, (context, page) in enumerate(contexts):
        # A page the test already closed has nothing left to show.
        with contextlib.suppress(Exception):
            save_screenshot(page, request, f"end{index}")
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(autouse=True)
def _fresh_state():
    from django.core.cache import cache

    from knowledge_base import bot, search

    cache.clear()
    search.clear_caches()
    bot.clear_cache()
    yield
    cache.clear()
