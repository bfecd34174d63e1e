"""Today's prompt: the couple's day and pace (prompts, a layer below, asks for them)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from checkins.models import CheckIn, Rhythm
from intimacy.accounts.models import Couple, User
from prompts.models import Depth, PromptLog

from .dashboard import DashboardState

PACE_WINDOW = dt.timedelta(days=14)


def couple_zone(*, rhythm: Rhythm | None, first_partner_zone: str) -> ZoneInfo:
    """The zone of the couple's date, the same for both: their review rhythm's zone if they
    have one, else the zone of the partner who joined the app first."""
    return rhythm.zone if rhythm is not None else ZoneInfo(first_partner_zone)


def couple_today(*, state: DashboardState) -> dt.date:
    first = min(state.people, key=lambda person: person.pk)
    zone = couple_zone(rhythm=state.rhythm, first_partner_zone=first.time_zone)
    return timezone.localdate(timezone.now(), zone)


def prompt_depth(*, state: DashboardState) -> str:
    """How deep today's prompt may go. Don't poke the storm: light on a day either partner's
    weather is stormy; otherwise at the pace of the less engaged partner."""
    if state.today.stormy:
        return Depth.LIGHT
    return prompt_pace(couple=state.couple, people=state.people)


def prompt_pace(*, couple: Couple, people: list[User]) -> str:
    """How deep today's prompt may go: at the pace of the less engaged partner.

    Light until both have checked in on four of the last fourteen days and the couple has
    done three prompts; medium until eight and eight; deep after that.
    """
    # The partners' own calendars: the window ends on the later of their todays.
    since = max(person.local_today() for person in people) - PACE_WINDOW
    counts = dict(
        CheckIn.objects.filter(author__in=people, local_date__gte=since)
        .values("author")
        .annotate(n=Count("id"))
        .values_list("author", "n")
    )
    least = min((counts.get(p.pk, 0) for p in people), default=0)
    done = PromptLog.objects.filter(couple=couple, state=PromptLog.State.DONE).count()
    if least >= 8 and done >= 8:
        return Depth.DEEP
    if least >= 4 and done >= 3:
        return Depth.MEDIUM
    return Depth.LIGHT
