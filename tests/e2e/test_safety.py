"""With the real Content Security Policy (no bypass), pages run without a single violation;
the quick exit leaves at once and takes the page out of the back button."""

import pytest
from django.urls import reverse

from checkins.services import rhythm_set
from tests.factories import PASSWORD, submit

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_no_csp_violation_on_the_busiest_pages(live_server, new_context, couple, alice):
    import datetime as dt

    rhythm_set(
        couple=couple,
        weekday=6,
        local_time=dt.time(19),
        duration_minutes=45,
        time_zone="Europe/Paris",
    )
    page = new_context(bypass_csp=False).new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    log_in(page, live_server.url, alice.email, PASSWORD, check=False)
    for name in (
        "dashboard",
        "checkins:history",
        "checkins:review_home",
        "prompts:library",
        "nudges:preferences",
        "accounts:profile",
    ):
        page.goto(live_server.url + reverse(name))
        page.wait_for_load_state("networkidle")
    # A check-in saved from the dashboard (htmx where JavaScript runs) breaks nothing either.
    page.goto(live_server.url + reverse("dashboard"))
    page.get_by_text("Sunny", exact=True).click()
    page.get_by_role("group", name="Energy").get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Save my check-in").click()
    page.wait_for_load_state("networkidle")
    assert refused == []


def test_quick_exit_leaves_and_the_back_button_shows_nothing_private(
    live_server, new_context, couple, alice, settings
):
    settings.QUICK_EXIT_URL = live_server.url + "/livez/"
    submit(alice, private_note="PRIVATE-quick-exit")
    page = new_context(bypass_csp=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD, check=False)
    page.goto(live_server.url + reverse("checkins:history"))
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url("**/livez/")
    page.wait_for_timeout(300)  # the logout beacon lands
    page.go_back()
    page.wait_for_load_state()
    assert "/checkins/history/" not in page.url  # replaced, not kept
    assert "/accounts/login/" in page.url  # and logged out: nothing private behind Back


def test_quick_exit_without_javascript_logs_out_and_leaves(
    live_server, new_context, couple, alice, settings
):
    settings.QUICK_EXIT_URL = live_server.url + "/livez/"
    submit(alice, private_note="PRIVATE-quick-exit")
    page = new_context(bypass_csp=False, java_script_enabled=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD, check=False)
    page.goto(live_server.url + reverse("checkins:today"))
    page.get_by_role("link", name="Quick exit").click()
    page.wait_for_url("**/livez/")
    page.go_back()
    page.wait_for_load_state()
    assert "PRIVATE-quick-exit" not in page.content()


def test_quick_exit_by_pressing_escape_three_times(
    live_server, new_context, couple, alice, settings
):
    settings.QUICK_EXIT_URL = live_server.url + "/livez/"
    page = new_context(bypass_csp=False).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD, check=False)
    for _ in range(3):
        page.keyboard.press("Escape")
    page.wait_for_url("**/livez/")
