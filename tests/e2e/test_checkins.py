"""Two partners check in, see each other only after their own check-in, and react."""

import pytest
from playwright.sync_api import Page, expect

from checkins.demo import create_demo_couples
from tests.factories import PASSWORD, submit

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_in(page: Page, *, weather: str, energy: str, note: str = "", private: str = "") -> None:
    page.get_by_text(weather, exact=True).click()
    page.get_by_role("group", name="Energy").get_by_text(energy, exact=True).click()
    if note or private:
        page.get_by_text("Add needs, what's on your mind, notes").click()
        page.get_by_label("A note to your partner").fill(note)
        page.get_by_label("A private note").fill(private)
    page.get_by_text("Everything but your private note").click()
    page.get_by_role("button", name="Save my check-in").click()


def test_partners_see_each_other_only_after_their_own_checkin(
    live_server, new_context, couple, alice, bob
):
    alice_page = new_context().new_page()
    bob_page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(alice_page, live_server.url, alice.email, PASSWORD)
    log_in(bob_page, live_server.url, bob.email, PASSWORD)
    check_page(alice_page, "dashboard before check-in")

    check_in(
        bob_page,
        weather="Rainy",
        energy="2",
        note="Rough day, talk later?",
        private="PRIVATE-CANARY",
    )
    expect(bob_page.get_by_text("Saved. Thank you for checking in.")).to_be_visible()
    check_page(bob_page, "dashboard after check-in")

    alice_page.reload()
    expect(
        alice_page.get_by_text("Bob has checked in today. Share your own weather")
    ).to_be_visible()
    expect(alice_page.get_by_text("Rough day, talk later?")).to_have_count(0)

    check_in(alice_page, weather="Sunny", energy="4")
    expect(alice_page.get_by_text("Rough day, talk later?")).to_be_visible()
    expect(alice_page.get_by_text("PRIVATE-CANARY")).to_have_count(0)
    assert "PRIVATE-CANARY" not in alice_page.content()
    alice_page.get_by_role("button", name="Sending a hug").click()
    expect(alice_page.get_by_role("button", name="Sending a hug")).to_have_attribute(
        "aria-pressed", "true"
    )
    check_page(alice_page, "dashboard after reaction")

    bob_page.reload()
    expect(bob_page.locator(".reaction-received")).to_have_text("Alice: Sending a hug")
    expect(bob_page.get_by_role("heading", name="Alice today")).to_be_visible()
    check_page(bob_page, "dashboard with reaction")

    alice_page.get_by_role("button", name="Undo").click()
    expect(alice_page.get_by_role("button", name="Sending a hug")).to_have_attribute(
        "aria-pressed", "false"
    )


def test_reactions_work_without_javascript(live_server, new_context, couple, alice, bob):
    submit(bob)
    submit(alice)
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD, check=False)
    page.get_by_role("button", name="I see you").click()
    expect(page.get_by_role("button", name="I see you")).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("width", [1280, 390])
def test_history_with_a_long_past(live_server, new_context, width):
    create_demo_couples(couples=1, days=200, seed=7)
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, live_server.url, "demo-0-a@demo.example.org", "demo-password")
    check_page(page, "demo dashboard")
    page.get_by_role("link", name="History").first.click()
    expect(page.get_by_role("heading", name="Your weather over time")).to_be_visible()
    check_page(page, "history")
    page.get_by_role("link", name="90 days").click()
    page.get_by_text("The same as a table").click()
    expect(page.locator(".data-table")).to_be_visible()
    check_page(page, "history 90 days")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
