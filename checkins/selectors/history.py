"""The history page: a month calendar and the weather and energy trends of both partners."""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from checkins.models import WEATHER_BRIGHTNESS, CheckIn, Disclosure, Weather
from checkins.services import readable
from intimacy.accounts.models import Couple, User

from .checkin import ZONE_SPREAD


@dataclass
class Day:
    date: dt.date
    in_month: bool
    # (check-in id, weather, weather's name) for each partner.
    mine: tuple[int, str, str] | None = None
    theirs: tuple[int, str, str] | None = None
    hidden: bool = False  # The partner's today, not revealed yet.


@dataclass
class Series:
    label: str
    points: list[tuple[dt.date, int | None]]


@dataclass
class History:
    month: dt.date
    weeks: list[list[Day]]
    range_days: int
    first_day: dt.date
    last_day: dt.date
    my_count: int
    partner_count: int | None
    weather: list[Series] = field(default_factory=list)
    energy: list[Series] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)


def _cell(entry: tuple[int, str, int] | None) -> tuple[int, str, str] | None:
    return (entry[0], entry[1], Weather(entry[1]).label) if entry else None


def history(
    *,
    user: User,
    couple: Couple | None,
    partner: User | None,
    month: dt.date,
    range_days: int,
) -> History:
    """A month calendar and a trend of `range_days` for both partners: one query."""
    today = user.local_today()
    weeks_of_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    trend_first = today - dt.timedelta(days=range_days - 1)
    # The month's grid and the trend (to the partners' furthest today): two short ranges,
    # so an old month never reads the months between.
    days_wanted = Q(local_date__range=(weeks_of_dates[0][0], weeks_of_dates[-1][-1])) | Q(
        local_date__range=(trend_first, today + ZONE_SPREAD)
    )
    now = timezone.now()

    rows = (
        CheckIn.objects.filter(readable(viewer=user, current=couple))
        .filter(days_wanted)
        .values_list(
            "pk",
            "author_id",
            "couple_id",
            "local_date",
            "day_ends_at",
            "weather",
            "energy",
            "disclosure",
        )
        .order_by()
    )
    mine: dict[dt.date, tuple[int, str, int | None]] = {}
    theirs: dict[dt.date, tuple[int, str, int | None]] = {}
    i_am_current = False
    their_current: set[dt.date] = set()
    for pk, author_id, couple_id, local_date, ends, weather, energy, disclosure in rows:
        if author_id == user.pk:
            mine[local_date] = (pk, weather, energy)
            shared = couple is not None and couple_id == couple.pk
            i_am_current = i_am_current or (ends > now and shared)
        else:
            # "Just my weather" shares no energy.
            theirs[local_date] = (pk, weather, energy if disclosure != Disclosure.WEATHER else None)
            if ends > now:
                their_current.add(local_date)

    # Nobody goes first: the partner's check-in of a day still going stays hidden (but
    # counted) until I have a check-in whose day is still going too.
    hidden = set() if i_am_current else their_current

    weeks = [
        [
            Day(
                date=d,
                in_month=d.month == month.month,
                mine=_cell(mine.get(d)),
                theirs=None if d in hidden else _cell(theirs.get(d)),
                hidden=d in hidden,
            )
            for d in week
        ]
        for week in weeks_of_dates
    ]
    days = [trend_first + dt.timedelta(days=i) for i in range(range_days)]
    result = History(
        month=month,
        weeks=weeks,
        range_days=range_days,
        first_day=trend_first,
        last_day=today,
        my_count=sum(1 for d in days if d in mine),
        partner_count=sum(1 for d in days if d in theirs) if partner else None,
    )
    for d in hidden:
        theirs.pop(d)
    people = [("You", mine)] + ([(partner.display_name, theirs)] if partner else [])
    for label, entries in people:
        result.weather.append(
            Series(
                label,
                [(d, WEATHER_BRIGHTNESS[entries[d][1]] if d in entries else None) for d in days],
            )
        )
        result.energy.append(
            Series(label, [(d, entries[d][2] if d in entries else None) for d in days])
        )
    for d in reversed(days):
        if d in mine or d in theirs:
            result.rows.append(
                {
                    "date": d,
                    "mine": (Weather(mine[d][1]).label, mine[d][2]) if d in mine else None,
                    "theirs": (Weather(theirs[d][1]).label, theirs[d][2]) if d in theirs else None,
                }
            )
    return result
