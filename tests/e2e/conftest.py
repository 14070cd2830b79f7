"""Browser tests: Playwright driving Debian's Chromium against the live server, with axe-core checks.

Chromium comes from Debian (`.ci/run` installs it; `playwright install` cannot download here) and axe-core from
the npm registry (`tests/e2e/package.json`, installed by `make test`). Screenshots of the main pages are written to
docs/screenshots/, which the README links to."""

import json
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the test body's ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"  # the factories' password


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


def sign_in(page, username: str, password: str = PASSWORD, language: str = "en") -> None:
    """Sign in through the form. The portal then speaks the user's own language: English unless told otherwise."""
    from procurement.models import User

    User.objects.filter(username=username).update(preferred_language=language)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


# Screenshots show the portal in its default language, Finnish; these few in Swedish.
SWEDISH_SCREENSHOTS = frozenset({"provider-call", "provider-bid", "officer-call"})
PHONE = {"width": 390, "height": 844}


def _track_navigations(page) -> None:
    """Remember the method of the page's last navigation: only a page reached by GET can be loaded again."""
    page.last_navigation_method = "GET"

    def on_request(request):
        if request.is_navigation_request() and request.frame == page.main_frame:
            page.last_navigation_method = request.method

    page.on("request", on_request)


def assert_accessible(page, name: str) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page as it is now."""
    page.evaluate(AXE.read_text())  # evaluated through the DevTools protocol, so the page's CSP does not apply
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        tags,
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in serious],
        indent=1,
    )


def assert_no_horizontal_overflow(page, name: str) -> None:
    """The page fits its viewport (1 280 px wide) and a 390 px phone without scrolling sideways."""
    measure = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    scroll, client = page.evaluate(measure)
    assert scroll <= client, f"{name}: the page is {scroll} px wide in a {client} px window"
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        scroll, client = page.evaluate(measure)
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                  + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))"""
        )
        assert scroll <= client, f"{name}: the page is {scroll} px wide on a {client} px phone: {wide}"
    finally:
        page.set_viewport_size(size)


def _screenshot(page, name: str) -> None:
    """The screenshot in Finnish (a few in Swedish), whatever language the test reads the page in: a page reached
    by GET is loaded again beside the test's own, in another browser context with that language's cookie."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    language = "sv" if name in SWEDISH_SCREENSHOTS else "fi"
    if page.evaluate("document.documentElement.lang") == language or page.last_navigation_method != "GET":
        page.screenshot(path=path, full_page=True)
        return
    # In a browser context of its own, signed in as the same user: the test's page keeps its cookies, and its own
    # background requests (htmx polling) meanwhile are answered in its language, not in the screenshot's.
    cookie_name = settings.LANGUAGE_COOKIE_NAME
    state = page.context.storage_state()
    state["cookies"] = [c for c in state["cookies"] if c["name"] != cookie_name]
    url = page.url
    context = page.context.browser.new_context(
        storage_state=state, locale="en-GB", timezone_id="Europe/Helsinki", viewport=page.viewport_size
    )
    context.add_cookies([{"name": cookie_name, "value": language, "url": url}])
    try:
        other = context.new_page()
        other.goto(url)
        other.wait_for_load_state()
        assert_accessible(other, f"{name} ({language})")
        assert_no_horizontal_overflow(other, f"{name} ({language})")
        other.screenshot(path=path, full_page=True)
    finally:
        context.close()


def check_page(page, name: str) -> None:
    """Run axe-core on the page, and again on its Finnish or Swedish version: no serious or critical violation, and
    no script or style refused by the CSP; the page does not scroll sideways at 1 280 px nor on a 390 px phone.
    Keeps a screenshot under docs/screenshots/<name>.png, in Finnish (the default language) or, for
    SWEDISH_SCREENSHOTS, in Swedish."""
    assert_accessible(page, name)
    csp_errors = [e for e in getattr(page, "console_errors", []) if "Content Security Policy" in e]
    assert not csp_errors, csp_errors
    assert_no_horizontal_overflow(page, name)
    _screenshot(page, name)
