"""The calendar page: the first address is just an address; a new one says the old one stopped;
the feed can be downloaded as a file as well as subscribed to."""

import re

from django.contrib.messages import get_messages
from django.urls import reverse

from checkins.models import CalendarFeed
from tests.factories import rhythm_for


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_first_calendar_address_says_nothing_about_an_older_one(client, couple, alice):
    client.force_login(alice)
    response = client.post(reverse("checkins:calendar"), {"action": "reset"})
    assert said(response) == ["Here is your calendar address."]


def test_a_new_calendar_address_says_the_old_one_stopped(client, couple, alice):
    client.force_login(alice)
    client.post(reverse("checkins:calendar"), {"action": "reset"}, follow=True)
    response = client.post(reverse("checkins:calendar"), {"action": "reset"})
    assert said(response) == [
        "Here is your new calendar address. The old one has stopped working: "
        "subscribe to this one instead."
    ]


def test_calendar_page_offers_the_file_to_download(client, couple, alice):
    rhythm_for(couple)
    client.force_login(alice)
    client.post(reverse("checkins:calendar"), {"action": "reset"})
    html = client.get(reverse("checkins:calendar")).text
    token = CalendarFeed.objects.get(user=alice).token
    link = re.search(r'<a [^>]*href="([^"]+)" download="weekly-review.ics"', html)
    assert link is not None
    assert link.group(1) == reverse("checkins:calendar_ics", args=[token])
    assert client.get(link.group(1))["Content-Type"].startswith("text/calendar")


def test_calendar_page_without_an_address_offers_no_download(client, couple, alice):
    client.force_login(alice)
    assert "download=" not in client.get(reverse("checkins:calendar")).text
