"""Browser tests: Playwright driving Debian's Chromium against the live server, with axe-core checks.

Chromium comes from Debian (`.ci/run` installs it; `playwright install` cannot download here) and axe-core from
the npm registry (`tests/e2e/package.json`, installed by `make test`). Screenshots of the main pages are written to
docs/screenshots/, which the README links to."""

import json
import os
import shutil
from pathlib import Path

import pytest

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
    yield page
    context.close()


@pytest.fixture
def pages(browser, live_server):
    """More than one person at once: pages() gives a new, separately signed-in browser context each time."""
    contexts = []

    def make():
        context = _context(browser, live_server)
        contexts.append(context)
        return context.new_page()

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


def check_page(page, name: str) -> None:
    """Run axe-core on the page: no serious or critical violation, and no script or style refused by the CSP.
    Keeps a screenshot under docs/screenshots/<name>.png."""
    page.evaluate(AXE.read_text())  # evaluated through the DevTools protocol, so the page's CSP does not apply
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        tags,
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert not serious, json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in serious],
        indent=1,
    )
    csp_errors = [e for e in getattr(page, "console_errors", []) if "Content Security Policy" in e]
    assert not csp_errors, csp_errors
