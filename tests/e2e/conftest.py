"""Browser tests: Playwright driving Debian's Chromium against the live server, with axe-core checks.

Chromium comes from Debian (`.ci/run` installs it; `playwright install` cannot download here) and axe-core from
the npm registry (`tests/e2e/package.json`, installed by `make test`). Screenshots of the main pages are written to
docs/screenshots/, which the README links to."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the test body's ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed: apt-get install chromium (scripts/system-deps.sh does it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


def _context(browser, live_server):
    # The browser asks for English, so that selectors do not depend on the translations; tests that check the
    # Finnish or Swedish interface switch the language as a user would.
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Helsinki", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser, live_server):
    context = _context(browser, live_server)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    _track_navigations(page)
    yield page
    context.close()


@pytest.fixture
def pages(browser, live_server):
    """More than one person at once: pages() gives a new, separately signed-in browser context each time."""
    contexts = []

    def make():
        context = _context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        _track_navigations(page)
        return page

    yield make
    for context in contexts:
        context.close()


def _track_navigations(page) -> None:
    """Remember the method of the page's last navigation: only a page reached by GET can be loaded again."""
    page.last_navigation_method = "GET"

    def on_request(request):
        if request.is_navigation_request() and request.frame == page.main_frame:
            page.last_navigation_method = request.method

    page.on("request", on_request)
