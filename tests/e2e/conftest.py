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


# What sticks out sideways: the page wider than the window, an element reaching past either
# edge, a box hiding part of its content behind a sideways scroll or a clip, a chart's label
# cut by its drawing. Descendants of a box already named are not named again.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [], named = [];
  const describe = (el) => {
    let text = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
    const cls = (el.getAttribute("class") || "").trim();
    return cls ? text + "." + cls.split(/\\s+/).join(".") : text;
  };
  const note = (el, what) => {
    if (named.some((n) => n.contains(el))) return;
    named.push(el);
    problems.push(describe(el) + " " + what);
  };
  if (document.documentElement.scrollWidth > width) {
    problems.push("the page is " + document.documentElement.scrollWidth + " px wide in a " +
                  width + " px window");
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.localName !== "svg") continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // visually hidden
    if (box.right > width + 0.5 || box.left < -0.5) {
      note(el, "reaches from " + Math.round(box.left) + " to " + Math.round(box.right) + " px");
      continue;
    }
    const style = getComputedStyle(el);
    // A text field scrolls a long value inside itself, as every text field does.
    if (["input", "textarea", "select"].includes(el.localName)) continue;
    if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
    const past = el.scrollWidth - el.clientWidth;
    if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) {
      note(el, "hides " + past + " px of its content sideways");
    } else if (style.display !== "inline") {
      note(el, "has content spilling " + past + " px out of its side");
    }
  }
  for (const label of document.querySelectorAll("svg text")) {
    const box = label.getBoundingClientRect();
    const frame = label.closest("svg").getBoundingClientRect();
    if (box.width && (box.left < frame.left - 0.5 || box.right > frame.right + 0.5)) {
      problems.push("the chart label '" + label.textContent.trim() + "' is cut off");
    }
  }
  return problems;
}"""


# What touches a button from below: a row of buttons (or a button alone) needs clear space under
# it before the next thing, or a thumb lands on the wrong one and the page looks crammed.
CROWDING_JS = """() => {
  const size = (el) => {
    // Not drawn (a closed <details>, visibility: hidden): laid out, perhaps, but not there.
    if (!el.checkVisibility({visibilityProperty: true})) return null;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1 ? box : null;
  };
  const boxes = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg") && el.localName !== "svg") continue;
    const box = size(el);
    if (box) boxes.push([el, box]);
  }
  const problems = [];
  const rows = document.querySelectorAll(
    ".actions, button:not(.actions button), a.button:not(.actions a), input[type=submit]"
  );
  for (const el of rows) {
    const box = size(el);
    if (!box || el.closest(".visually-hidden, .nav")) continue;
    for (const [other, below] of boxes) {
      if (other === el || other.contains(el) || el.contains(other)) continue;
      if (below.left >= box.right || below.right <= box.left) continue;
      const gap = below.top - box.bottom;
      if (gap > -0.5 && gap < 8) {
        const text = (el.innerText || el.value || "").trim().split("\\n")[0].slice(0, 40);
        problems.push("'" + text + "' (" + el.localName + "." + el.className + ") has " +
                      Math.round(gap) + " px above " + other.localName + "." + other.className);
        break;
      }
    }
  }
  return problems;
}"""


def check_page(page: Page, name: str) -> None:
    """Fail on anything that sticks out or hides sideways, on buttons with no room below them,
    and on serious or critical accessibility violations; keep a screenshot if asked."""
    page.wait_for_load_state()
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"] if page.viewport_size else 0
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(folder / f"{slug}-{width}.png"), full_page=True)
    overflow = page.evaluate(OVERFLOW_JS)
    assert not overflow, f"Sideways overflow on {page.url}:\n" + "\n".join(overflow)
    crowded = page.evaluate(CROWDING_JS)
    assert not crowded, f"Buttons touching what follows on {page.url}:\n" + "\n".join(crowded)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    summary = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )
    assert not bad, f"Accessibility violations on {page.url}:\n{summary}"


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
        if check:
            check_page(page, "two-factor code")
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
