"""Browser tests: Playwright drives Debian's Chromium against a live server.

Every page a test visits goes through `check_page`, which runs axe-core in it and fails on
any serious or critical violation. Set E2E_SCREENSHOTS=<folder> to keep a screenshot of
each checked page for looking at.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.conftest import AXE, CHROMIUM
from tests.factories import current_code

# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def new_context(browser: object, browser_context_args: dict) -> object:
    """Open fresh browser contexts: two partners need two browsers."""
    contexts: list[BrowserContext] = []

    def make(**kwargs: object) -> BrowserContext:
        context = browser.new_context(**{**browser_context_args, **kwargs})  # type: ignore[attr-defined]
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def check_page(page: Page, name: str) -> None:
    """Fail on serious or critical accessibility violations; keep a screenshot if asked."""
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    summary = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"Accessibility violations on {page.url}:\n{summary}"
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(folder / f"{slug}-{width}.png"), full_page=True)


def log_in(
    page: Page,
    base_url: str,
    email: str,
    password: str,
    *,
    check: bool = True,
    lands: str | None = None,
) -> None:
    """Log in as the person would; they land on their dashboard, or a coach with no couple of
    their own on the coaching page (`lands`: the path expected, when the test cares)."""
    page.goto(f"{base_url}/accounts/login/")
    if check:  # axe needs JavaScript; the no-JavaScript tests skip it.
        check_page(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if page.url.endswith("/accounts/2fa/authenticate/"):
        # Coaches and staff have an authenticator app: type the code it would show.
        page.get_by_label("Code").fill(current_code(email))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    if lands is not None:
        assert page.url == f"{base_url}{lands}"


def reauthenticate_if_asked(page: Page, password: str) -> None:
    """Sensitive pages ask for the password again; type it as the person would."""
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
