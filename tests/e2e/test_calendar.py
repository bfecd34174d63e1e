"""The weekly review in a calendar, on a phone: the first address comes without talk of an old
one, the file downloads, and a new address says that the old one stopped."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from checkins.services import rhythm_set
from tests.factories import PASSWORD

from .conftest import check_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_calendar_address_and_download(live_server, new_context, couple, alice):
    rhythm_set(
        couple=couple, weekday=6, local_time=dt.time(19), duration_minutes=45,
        time_zone="Europe/Paris",
    )  # fmt: skip
    page = new_context(viewport={"width": 390, "height": 844}, accept_downloads=True).new_page()
    log_in(page, live_server.url, alice.email, PASSWORD)
    page.goto(f"{live_server.url}/review/calendar/")
    check_page(page, "calendar, no address yet")
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_text("Here is your calendar address.")).to_be_visible()
    expect(page.get_by_text("stopped working")).to_have_count(0)
    check_page(page, "calendar address")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the calendar file (.ics)").click()
    assert download.value.suggested_filename == "weekly-review.ics"
    assert download.value.path().read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")

    page.get_by_role("button", name="Make a new address").click()
    expect(page.get_by_text("The old one has stopped working")).to_be_visible()
