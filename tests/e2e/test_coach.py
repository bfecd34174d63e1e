"""A coach builds and publishes a set; a couple follows it; today's prompt shows for both;
the coach sees only what the couple shares."""

import pytest
from playwright.sync_api import expect

from intimacy.accounts import services as accounts
from prompts.models import Prompt
from tests.factories import PASSWORD

from .conftest import check_page, log_in, reauthenticate_if_asked

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coach_and_couple_journey(live_server, new_context, couple, alice, bob, coach):
    link = accounts.coach_invite(couple=couple)
    coach_page = new_context().new_page()
    log_in(coach_page, live_server.url, coach.email, PASSWORD, lands="/coach/")
    coach_page.goto(f"{live_server.url}/coach/join/{link.token}/")
    check_page(coach_page, "coach join")
    coach_page.get_by_role("button", name="Accept").click()
    expect(coach_page.get_by_role("link", name="Alice and Bob")).to_be_visible()
    check_page(coach_page, "coach home")

    coach_page.get_by_role("link", name="Studio").click()
    check_page(coach_page, "studio")
    coach_page.get_by_label("Title").fill("Slow Sundays")
    coach_page.get_by_label("Who can find it").select_option("public")
    coach_page.get_by_role("button", name="Create the set").click()
    for text in ("What made you smile this week?", "Plan one unhurried hour together."):
        coach_page.get_by_role("link", name="Write a new prompt for this set").click()
        coach_page.get_by_label("The prompt").fill(text)
        coach_page.get_by_label("About how many minutes").fill("10")
        coach_page.get_by_role("button", name="Save").click()
    check_page(coach_page, "studio set")
    # A prompt of the library, by the number the library shows ("No. 123"); a wrong one is
    # told by the field, keeping what was typed.
    library = Prompt.objects.create(
        text="Name one small thing I did this week that helped.",
        kind="question",
        layer="emotional",
        depth="light",
        status="published",
    )
    coach_page.get_by_label("Add a prompt by its number").fill("No. 999999")
    coach_page.get_by_role("button", name="Add", exact=True).click()
    expect(coach_page.get_by_text("There's no prompt number 999999 you can use.")).to_be_visible()
    expect(coach_page.get_by_label("Add a prompt by its number")).to_have_value("No. 999999")
    check_page(coach_page, "studio set with a wrong number")
    coach_page.get_by_label("Add a prompt by its number").fill(f"No. {library.pk}")
    coach_page.get_by_role("button", name="Add", exact=True).click()
    expect(coach_page.get_by_text(library.text)).to_be_visible()
    coach_page.get_by_role("button", name="Publish").click()
    expect(coach_page.get_by_text("Published.")).to_be_visible()

    alice_page = new_context().new_page()
    log_in(alice_page, live_server.url, alice.email, PASSWORD)
    alice_page.get_by_role("link", name="Prompts").click()
    check_page(alice_page, "library")
    alice_page.get_by_role("link", name="Slow Sundays").click()
    alice_page.get_by_role("button", name="Follow this set together").click()
    check_page(alice_page, "set followed")
    alice_page.get_by_role("link", name="Today").click()
    expect(alice_page.get_by_text("What made you smile this week?")).to_be_visible()

    bob_page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(bob_page, live_server.url, bob.email, PASSWORD)
    expect(bob_page.get_by_text("What made you smile this week?")).to_be_visible()
    check_page(bob_page, "dashboard with prompt")
    bob_page.get_by_role("button", name="We did it").click()
    alice_page.reload()
    expect(alice_page.get_by_text("Done. Lovely.")).to_be_visible()

    # Alice shares engagement only; the coach sees counts and nothing else; the look is logged.
    alice_page.goto(f"{live_server.url}/couple/{couple.pk}/coach/")
    reauthenticate_if_asked(alice_page, PASSWORD)
    alice_page.get_by_label("How often we check in and do prompts (counts only)").check()
    alice_page.get_by_role("button", name="Save what we share").click()
    check_page(alice_page, "couple coach settings")
    coach_page.goto(f"{live_server.url}/coach/couples/{couple.pk}/")
    expect(coach_page.get_by_role("heading", name="Alice and Bob", level=1)).to_be_visible()
    expect(coach_page.get_by_text("Prompts done together: 1.")).to_be_visible()
    expect(coach_page.get_by_role("heading", name="Weekly reviews")).to_have_count(0)
    check_page(coach_page, "coach couple")
    alice_page.reload()
    expect(alice_page.get_by_text("Dana saw engagement counts")).to_be_visible()

    # Revoked: the coach's next request is a 404.
    alice_page.get_by_role("button", name="End Dana's access now").click()
    response = coach_page.goto(f"{live_server.url}/coach/couples/{couple.pk}/")
    assert response.status == 404
    coach_page.goto(f"{live_server.url}/")
    expect(coach_page.get_by_text("No couple is linked with you at the moment")).to_be_visible()
    check_page(coach_page, "coach home after a revoke")
