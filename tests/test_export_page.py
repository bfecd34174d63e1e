"""The export's page to read: the app's words and the reader's local dates, styled by the app's
own stylesheet inside the file, allowed by its hash under a strict policy."""

import base64
import datetime as dt
import hashlib
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services as checkins
from checkins.models import CheckIn
from intimacy.nudges.models import Nudge
from intimacy.nudges.schedule import nudges_set_up
from prompts.models import Prompt, PromptLog
from tests.factories import FULL, rhythm_for, submit

# Time stands still on Wednesday 18 November 2026 at noon UTC (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wednesday_noon")]

# What the issue found on the page: stored keys and values, and machine timestamps.
INTERNAL = [
    "went_well", "more_time", "unspoken_need", "feel_loved", "see_you", "talk_tonight",
    "slow_hug", "morning_checkin", "weekly_review", "0 is Monday", "bright_spells",
    "practical_help", "recovery_codes", "no_couple", "['", "True", "False", "None",
]  # fmt: skip


@pytest.fixture
def world(couple, alice, bob):
    rhythm_for(couple, time_zone="Europe/Paris")
    hers = submit(alice, weather="bright_spells", needs=["practical_help"], tags=["us"])
    # Made at 23:30 UTC on the 9th: already the 10th in Paris, where Alice was.
    CheckIn.objects.filter(pk=hers.pk).update(
        local_date=dt.date(2026, 11, 10),
        created_at=dt.datetime(2026, 11, 9, 23, 30, 15, 123456, tzinfo=dt.UTC),
    )
    his = submit(bob)
    checkins.reaction_set(checkin=his, author=alice, kind="see_you")
    review = checkins.review_for_week(couple=couple, week_start=dt.date(2026, 11, 9))
    mine = {**FULL, "more_time": ["unspoken_need"], "unspoken_need": ""}
    checkins.answer_save(review=review, author=alice, fields=mine, submit=True)
    checkins.answer_save(review=review, author=bob, fields=FULL, submit=True)
    checkins.review_choose_focus(review=review, habit="slow_hug")
    checkins.topic_park(couple=couple, author=bob, text="Bob's topic")
    nudges_set_up(user=alice)
    Nudge.objects.create(
        user=alice, habit="morning_checkin", local_date=dt.date(2026, 11, 17),
        due_at=dt.datetime(2026, 11, 17, 7, 30, tzinfo=dt.UTC), state="held", held="no_couple",
    )  # fmt: skip
    prompt = Prompt.objects.create(text="p", kind="question", layer="emotional", depth="light")
    PromptLog.objects.create(couple=couple, prompt=prompt, state="done", by=alice)
    return couple


def visible_text(html: str) -> str:
    """What a reader sees: no stylesheet, no tags, no attribute values."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def export(client, alice):
    client.force_login(alice)
    response = client.get(reverse("export_html"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response, response.content.decode()


def test_the_page_says_things_as_the_app_does(client, world, alice):
    _, html = export(client, alice)
    text = visible_text(html)
    found = [key for key in INTERNAL if key in text]
    assert found == [], found
    for words in (
        "What went well for us",
        "Something I need that I haven't said",
        "Needs more time",
        "I see you",
        "A slow hug",
        "Sundays at 19:00, for 30 minutes",
        "Bright spells",
        "Practical help",
        "Held back: you are not in a couple now",
        "Morning check-in",
        "Bob's answers, shown to you both",
        "Done",
    ):
        assert words in text, words


def test_dates_and_times_are_local_and_in_words(client, world, alice):
    _, html = export(client, alice)
    text = visible_text(html)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates
    assert not re.search(r"\d{1,2}:\d{2}:\d{2}", text)  # no seconds, let alone microseconds
    assert "Wednesday 18 November 2026 at 13:00" in text  # noon UTC, in Paris
    assert "Tue 10 Nov 2026" in text  # the check-in's own local day


def test_the_file_carries_the_apps_stylesheet_allowed_by_its_hash_alone(client, world, alice):
    response, html = export(client, alice)
    [css] = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert "--accent:" in css  # the app's own stylesheet
    assert ".export-table" in css  # and the export's few rules
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    source = f"'sha256-{digest}'"
    header = response["Content-Security-Policy"]
    [meta] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    for policy in (header, meta.replace("&#x27;", "'")):
        directives = dict(p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
        assert directives["default-src"] == "'none'", policy
        assert directives["style-src"] == source, policy
        assert "unsafe" not in policy
    assert "frame-ancestors 'none'" in header
    assert not re.search(r"<(script|link|img)\b", html)
    assert " style=" not in html


def test_the_page_does_not_grow_its_queries_with_history(client, world, alice):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("export_html")).status_code == 200
        return len(captured)

    client.force_login(alice)
    before = count()
    for day in range(1, 40):
        CheckIn.objects.create(
            author=alice, local_date=dt.date(2026, 1, 1) + dt.timedelta(days=day),
            day_ends_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), weather="sunny", energy=3,
        )  # fmt: skip
    assert count() == before
