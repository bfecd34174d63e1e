"""Two-factor set-up as coaches and staff meet it: straight after logging in (also when
confirming their address came in between), in the app's words, one secret however often
the page is opened, and after the recovery codes a way on to where they were going. And as
a partner meets it: from the settings, back to them, and the code at the next login."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from intimacy.accounts import services as accounts
from tests.factories import PASSWORD, UserFactory, code_for, current_code

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def type_password(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def set_up_two_factor(page: Page, name: str) -> None:
    """On the set-up page: scan (read the key), look again, type the code, keep the codes."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    check_page(page, f"{name} two-factor set-up")
    key = page.get_by_label("Or type this key into the app").input_value()
    page.reload()
    # Looking again (or a reload) keeps the secret the app may already have scanned.
    expect(page.get_by_label("Or type this key into the app")).to_have_value(key)
    assert len(key.replace(" ", "")) == 32  # the whole key, in groups of four
    page.get_by_label("The six-digit code your app shows").fill(code_for(key.replace(" ", "")))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep your recovery codes")
    check_page(page, f"{name} recovery codes")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_staff_confirm_their_address_set_up_two_factor_and_reach_the_admin(
    live_server, new_context, mailoutbox, viewport
):
    UserFactory(
        email="boss@example.com", is_staff=True, is_superuser=True, mfa=False, verified=False
    )
    page = new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/{settings.ADMIN_URL}")
    type_password(page, "boss@example.com")
    check_page(page, "staff check your inbox")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # The password typed a minute ago counts: no "confirm it's you" before the set-up.
    assert "/accounts/reauthenticate/" not in page.url
    set_up_two_factor(page, "staff")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(rf"/{settings.ADMIN_URL}$"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_coach_following_an_invitation_sets_up_two_factor_and_gets_back_to_it(
    live_server, new_context, couple, viewport
):
    UserFactory(email="newcoach@example.com", display_name="Dana", is_coach=True, mfa=False)
    token = accounts.coach_invite(couple=couple).token
    page = new_context(viewport=viewport).new_page()
    page.goto(f"{live_server.url}/coach/join/{token}/")
    type_password(page, "newcoach@example.com")
    assert "/accounts/reauthenticate/" not in page.url
    set_up_two_factor(page, "coach")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/coach/join/{token}/")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("link", name="Alice and Bob")).to_be_visible()
    check_page(page, "coach linked after set-up")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_partner_turns_it_on_from_settings_and_logs_in_with_a_code(
    live_server, new_context, alice, viewport
):
    page = new_context(viewport=viewport).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    check_page(page, "two-factor off")
    page.get_by_role("link", name="Set up an authenticator app").click()
    set_up_two_factor(page, "partner")
    page.get_by_role("link", name="Back to settings").click()
    expect(page).to_have_url(f"{live_server.url}/settings/profile/")
    page.get_by_role("link", name="Two-factor authentication").click()
    check_page(page, "two-factor on")
    page.get_by_role("link", name="Make new codes").click()
    check_page(page, "make new recovery codes")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Turn it off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn off two-factor authentication?")
    check_page(page, "turn two-factor off")
    page.get_by_role("link", name="Keep it on").click()

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    type_password(page, alice.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your authenticator code")
    check_page(page, "log in with a code")
    page.get_by_label("Code from your app, or a recovery code").fill("000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("That code didn't work")).to_be_visible()
    check_page(page, "log in with a wrong code")
    page.get_by_label("Code from your app, or a recovery code").fill(current_code(alice.email))
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
