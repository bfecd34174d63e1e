"""Both partners answer the weekly review; the reveal and the gap chart appear."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def answer(page: Page, *, went_well: str, felt: str, wished: str) -> None:
    page.get_by_label("What I appreciated about you this week").fill("Your patience on Tuesday")
    page.get_by_label("What went well for us").fill(went_well)
    page.get_by_label("What could I do this week to help you feel loved?").fill("A walk, just us")
    more_time = page.get_by_role("group", name="Needs more time")
    more_time.get_by_text("The hard moment").click()
    more_time.get_by_text("The unspoken need").click()
    page.get_by_role("group", name="Do I owe you a small repair?").get_by_text(
        "No", exact=True
    ).click()
    for layer in ("emotional", "physical", "intellectual", "digital"):
        page.get_by_role("group", name=f"How close I felt: {layer}").get_by_text(
            felt, exact=True
        ).click()
        page.get_by_role("group", name=f"How close I wished to feel: {layer}").get_by_text(
            wished, exact=True
        ).click()
    page.get_by_role("button", name="Share my answers").click()


def test_both_answer_and_the_reveal_and_chart_appear(live_server, new_context, couple, alice, bob):
    alice_page = new_context().new_page()
    bob_page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(alice_page, live_server.url, alice.email, PASSWORD)
    log_in(bob_page, live_server.url, bob.email, PASSWORD)

    alice_page.get_by_role("link", name="Review", exact=True).click()
    expect(alice_page.get_by_role("heading", name="When do you meet each week?")).to_be_visible()
    check_page(alice_page, "rhythm")
    alice_page.get_by_role("button", name="Save our rhythm").click()
    check_page(alice_page, "review form")
    answer(alice_page, went_well="Cooking together", felt="3", wished="5")
    expect(alice_page.get_by_role("heading", name="Waiting for your partner")).to_be_visible()
    check_page(alice_page, "review waiting")

    bob_page.goto(f"{live_server.url}/review/")
    expect(bob_page.get_by_text("Your partner has shared theirs.")).to_be_visible()
    expect(bob_page.get_by_text("Cooking together")).to_have_count(0)
    bob_page.get_by_label("Park a topic for the weekly review").fill("Summer holiday")
    bob_page.get_by_role("button", name="Park it").click()
    answer(bob_page, went_well="The quiet Sunday", felt="4", wished="4")
    expect(bob_page.get_by_role("heading", name="Your answers, side by side")).to_be_visible()
    expect(bob_page.get_by_text("Cooking together")).to_be_visible()
    check_page(bob_page, "review revealed")
    bob_page.get_by_role("group", name="Next week's focus").get_by_text("A slow hug").click()
    bob_page.get_by_role("button", name="Choose this focus").click()
    expect(bob_page.get_by_text("Next week's focus: A slow hug.")).to_be_visible()

    alice_page.reload()
    expect(alice_page.get_by_text("The quiet Sunday")).to_be_visible()
    expect(alice_page.get_by_text("Summer holiday")).to_be_visible()
    alice_page.get_by_role("link", name="Trends and past reviews").click()
    expect(alice_page.get_by_role("heading", name="Emotional")).to_be_visible()
    expect(alice_page.locator(".chart polyline, .chart circle").first).to_be_attached()
    check_page(alice_page, "trends")
    bob_page.goto(f"{live_server.url}/review/trends/")
    check_page(bob_page, "trends")
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 390
