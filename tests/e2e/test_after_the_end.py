"""After a couple ends, in two browsers: each former partner reads their own archive (and never
the other's words), and the export's page to read works offline, styled, on a phone and a
desktop."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from checkins import services
from tests.factories import FULL, PASSWORD, make_couple, rhythm_for, submit

from .conftest import check_page, log_in, reauthenticate_if_asked

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ALICE_WORDS = "Our slow Sunday breakfast"
BOB_WORDS = "BOB-only-his-answer-3e9"


def fits(page: Page) -> bool:
    """Nothing wider than the window (no sideways scrolling), nor than the card it is in."""
    return page.evaluate(
        """document.documentElement.scrollWidth <= window.innerWidth
        && [...document.querySelectorAll('.card')].every(c => c.scrollWidth <= c.clientWidth)"""
    )


@pytest.fixture
def together(couple, alice, bob):
    """Three weeks of Alice and Bob: a week both shared, topics, check-ins and reactions."""
    rhythm = rhythm_for(couple)
    week = services.review_for_week(
        couple=couple, week_start=rhythm.week_start() - dt.timedelta(weeks=2)
    )
    services.answer_save(
        review=week, author=alice, fields={**FULL, "went_well": ALICE_WORDS}, submit=True
    )
    services.answer_save(
        review=week, author=bob, fields={**FULL, "went_well": BOB_WORDS}, submit=True
    )
    services.review_choose_focus(review=week, habit="slow_hug")
    services.topic_park(couple=couple, author=alice, text="Visiting my sister")
    services.topic_park(couple=couple, author=bob, text=f"{BOB_WORDS} topic")
    hers = submit(alice, note_to_partner="A long note to my partner " * 8)
    services.reaction_set(checkin=hers, author=bob, kind="hug")
    return week


def test_each_former_partner_reads_their_own_archive(
    live_server, new_context, together, alice, bob, charlie
):
    alice_page = new_context(viewport=DESKTOP).new_page()
    log_in(alice_page, live_server.url, alice.email, PASSWORD)
    alice_page.get_by_role("link", name="End this couple").click()
    reauthenticate_if_asked(alice_page, PASSWORD)
    check_page(alice_page, "end couple")
    alice_page.get_by_role("button", name="End our couple").click()
    expect(alice_page.get_by_text("Your former partner: Sending a hug")).to_be_visible()
    check_page(alice_page, "dashboard after the end")
    alice_page.get_by_role("link", name="read it in your archive").click()
    expect(alice_page.get_by_role("heading", name="Your weekly reviews")).to_be_visible()
    expect(alice_page.get_by_text("Visiting my sister")).to_be_visible()
    expect(alice_page.locator(".chart circle").first).to_be_attached()
    assert BOB_WORDS not in alice_page.content()
    check_page(alice_page, "archive")
    alice_page.get_by_role("link", name="Week of").first.click()
    expect(alice_page.get_by_text(ALICE_WORDS)).to_be_visible()
    assert BOB_WORDS not in alice_page.content()
    check_page(alice_page, "archived review")
    alice_page.goto(f"{live_server.url}/review/")
    expect(alice_page.get_by_role("heading", name="Your past reviews")).to_be_visible()
    check_page(alice_page, "review after the end")

    # Bob, on his phone, keeps his own and reads nothing of hers.
    bob_page = new_context(viewport=PHONE).new_page()
    log_in(bob_page, live_server.url, bob.email, PASSWORD)
    bob_page.goto(f"{live_server.url}/review/")
    bob_page.get_by_role("link", name="With your former partner").click()
    expect(bob_page.get_by_text(f"{BOB_WORDS} topic")).to_be_visible()
    assert "Visiting my sister" not in bob_page.content()
    assert fits(bob_page)
    check_page(bob_page, "archive")
    bob_page.get_by_role("link", name="Week of").first.click()
    expect(bob_page.get_by_text(BOB_WORDS)).to_be_visible()
    assert ALICE_WORDS not in bob_page.content()
    assert fits(bob_page)
    check_page(bob_page, "archived review")

    # Alice pairs again: a new history, and the archive stays under Settings, Your data.
    make_couple(alice, charlie)
    alice_page.goto(f"{live_server.url}/review/")
    expect(alice_page.get_by_role("heading", name="When do you meet each week?")).to_be_visible()
    alice_page.goto(f"{live_server.url}/settings/privacy/")
    alice_page.get_by_role("link", name="With your former partner").click()
    expect(alice_page.get_by_text("Visiting my sister")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_the_page_to_read_works_offline_styled_and_fits(
    live_server, new_context, together, alice, tmp_path, viewport
):
    page = new_context(viewport=viewport).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/settings/privacy/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a page to read").click()
    saved = tmp_path / "intimacy-export.html"
    shutil.copy(download.value.path(), saved)

    # Opened from the disk, offline, under the file's own policy (no bypass, as a person would).
    reader = new_context(viewport=viewport, bypass_csp=False, color_scheme="light")
    reader.set_offline(True)
    file_page = reader.new_page()
    problems: list[str] = []
    file_page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    file_page.on("request", lambda r: None if r.url.startswith("file:") else problems.append(r.url))
    file_page.goto(Path(saved).as_uri())
    # The app's own look: its background and its card, from the stylesheet inside the file.
    background = file_page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(250, 246, 240)"
    radius = file_page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius")
    assert radius == "14px"
    assert fits(file_page), file_page.evaluate("document.documentElement.scrollWidth")
    assert problems == []
    expect(file_page.get_by_role("heading", name="Your data")).to_be_visible()
    expect(file_page.get_by_text("What went well for us").first).to_be_visible()
    # Accessibility, with axe (which needs to be injected: a context that lets it in).
    checker = new_context(viewport=viewport).new_page()
    checker.goto(Path(saved).as_uri())
    check_page(checker, "export page to read")
