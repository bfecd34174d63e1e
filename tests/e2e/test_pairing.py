"""The first journey of PRODUCT.md: sign up, confirm, create a couple, invite, pair."""

import re

import pytest
from playwright.sync_api import Page, expect

from intimacy.accounts.services import couple_create
from tests.factories import PASSWORD as FACTORY_PASSWORD

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a quiet lake in the morning"


def confirm_latest_email(page: Page, mailoutbox: list, to: str) -> None:
    message = next(m for m in reversed(mailoutbox) if m.to == [to])
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    check_page(page, f"confirm email {to}")
    page.locator("main form button[type=submit]").click()


def sign_up(page: Page, *, name: str, email: str) -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile(r"Password \(again\)")).fill(PASSWORD)
    check_page(page, f"signup {name}")
    page.locator("main form button[type=submit]").click()
    check_page(page, f"verification sent {name}")


def test_two_partners_pair_through_an_invite_link(live_server, new_context, mailoutbox):
    alice = new_context(timezone_id="Europe/Paris").new_page()
    alice.goto(live_server.url)
    check_page(alice, "home")
    alice.get_by_role("link", name="Create your account").click()
    expect(alice.get_by_label("Your time zone")).to_have_value("Europe/Paris")
    sign_up(alice, name="Alice", email="alice@example.com")
    confirm_latest_email(alice, mailoutbox, "alice@example.com")

    expect(alice.get_by_role("heading", name="Hello, Alice")).to_be_visible()
    check_page(alice, "dashboard alone")
    alice.get_by_role("button", name="Create our couple").click()
    invite_url = alice.get_by_label("Invite link").input_value()
    check_page(alice, "dashboard with invite")
    assert "/join/" in invite_url

    bob = new_context(timezone_id="America/New_York").new_page()
    bob.goto(invite_url)
    expect(bob.get_by_role("heading", name="Alice would like to pair with you")).to_be_visible()
    check_page(bob, "invite for a visitor")
    bob.get_by_role("link", name="Create an account").click()
    expect(bob.get_by_label("Your time zone")).to_have_value("America/New_York")
    sign_up(bob, name="Bob", email="bob@example.com")
    confirm_latest_email(bob, mailoutbox, "bob@example.com")

    expect(bob.get_by_role("heading", name="Pair with Alice?")).to_be_visible()
    check_page(bob, "join confirm")
    bob.get_by_role("button", name="Pair with Alice").click()
    expect(bob.get_by_role("heading", name="You and Alice")).to_be_visible()
    check_page(bob, "dashboard paired")

    alice.reload()
    expect(alice.get_by_role("heading", name="You and Bob")).to_be_visible()
    check_page(alice, "dashboard paired alice")
    # The used link now gets a clear page, not an error.
    alice.goto(invite_url)
    expect(alice.get_by_role("heading", name="You're already in this couple")).to_be_visible()
    check_page(alice, "used invite")


def test_phone_width_dashboard_with_invite_is_usable(live_server, new_context, alice):
    couple_create(user=alice)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server.url, "alice@example.com", FACTORY_PASSWORD)
    expect(page.get_by_label("Invite link")).to_be_visible()
    check_page(page, "dashboard phone")
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
