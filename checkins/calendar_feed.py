"""The weekly review as an iCalendar feed (RFC 5545), in the couple's own time zone."""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from intimacy.accounts.models import Couple

from .models import Rhythm, RhythmMove


def review_calendar(*, couple: Couple, rhythm: Rhythm) -> bytes:
    """One recurring event with its VTIMEZONE; weeks moved "this week only" are exceptions."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    uid = f"weekly-review-{couple.pk}@{host}"
    first_week = rhythm.week_start(rhythm.updated_at)
    length = dt.timedelta(minutes=rhythm.duration_minutes)
    now = timezone.now()

    calendar = Calendar()
    calendar.add("prodid", "-//Intimacy//Weekly review//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Our weekly review")

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("summary", "Our weekly connection review")
    event.add("dtstart", rhythm.wall_start(first_week))
    event.add("duration", length)
    event.add("rrule", {"freq": "weekly"})
    event.add("url", settings.SITE_URL + reverse("checkins:review_home"))
    calendar.add_component(event)

    moves = RhythmMove.objects.filter(couple=couple, week_start__gte=first_week)
    for move in moves.order_by("week_start"):
        moved = Event()
        moved.add("uid", uid)
        moved.add("dtstamp", now)
        moved.add("summary", "Our weekly connection review (moved this week)")
        moved.add("recurrence-id", rhythm.wall_start(move.week_start))
        moved.add("dtstart", timezone.localtime(move.starts_at, rhythm.zone))
        moved.add("duration", length)
        calendar.add_component(moved)

    calendar.add_missing_timezones()
    return calendar.to_ical()
