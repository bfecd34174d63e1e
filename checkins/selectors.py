"""Reads for the dashboard and the history page, each in a fixed number of queries."""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from intimacy.accounts.models import CoachLink, Couple, Membership, User
from intimacy.accounts.services import partner_name
from intimacy.lib.numbers import rounded
from prompts.models import Depth, Layer, PromptLog, SetOffer

from .models import (
    WEATHER_BRIGHTNESS,
    CheckIn,
    Disclosure,
    ParkedTopic,
    Reaction,
    Review,
    ReviewAnswer,
    Rhythm,
    RhythmMove,
    Weather,
)
from .services import (
    SharedCheckIn,
    answer_readable,
    has_current_checkin,
    is_revealed,
    readable,
    shared_view,
)


@dataclass
class TodayCard:
    today: dt.date
    mine: CheckIn | None = None
    partner: User | None = None
    partner_checked_in: bool = False
    partner_checkin: SharedCheckIn | None = None
    # The partner's reaction to my check-in (and who: a reaction from before a couple ended
    # is from a former partner, never the current one), and mine to theirs.
    reaction_to_mine: str | None = None
    reaction_to_mine_by: str = ""
    my_reaction: str | None = None
    # My check-in of today was made before this couple was paired, so it opens nothing.
    mine_unshared: bool = False
    # Either partner's weather today is stormy (revealed or not): today's prompt stays light.
    # Never shown as such; only the choice of prompt uses it.
    stormy: bool = False
    # A storm this viewer can see (their own, or their partner's once revealed to them).
    storm_seen: bool = False

    @property
    def reaction_to_mine_label(self) -> str:
        return Reaction.Kind(self.reaction_to_mine).label if self.reaction_to_mine else ""


def _other_reaction(field: str = "kind") -> Subquery:
    """The reaction someone other than the author left on a check-in (at most one): its kind,
    or another `field` of it."""
    return Subquery(
        Reaction.objects.filter(checkin=OuterRef("pk"))
        .exclude(author=OuterRef("author"))
        .values(field)[:1]
    )


# A check-in whose day is still going, with the kind and the author of the reaction the other
# partner left on it.
Current = tuple[CheckIn, str | None, int | None]


def _today_card(
    *, user: User, couple: Couple | None, partner: User | None, checkins: list[Current]
) -> TodayCard:
    """The one place the reveal rule meets the dashboard.

    `checkins` are both partners' check-ins whose day is still going, each with the reaction
    the other left on it. Mine shows to me; my partner's shows once I have mine.
    """
    card = TodayCard(today=user.local_today(), partner=partner)
    mine = [entry for entry in checkins if entry[0].author_id == user.pk]
    # Only a check-in shared with this couple opens my partner's: not one from before pairing,
    # nor one shared with a couple that has since ended.
    shared = [c for c, _, _ in mine if partner is not None and couple and c.couple_id == couple.pk]
    card.mine_unshared = partner is not None and bool(mine) and not shared
    theirs = [e for e in checkins if partner is not None and e[0].author_id == partner.pk]
    if mine:
        card.mine, card.reaction_to_mine, by = max(mine, key=lambda entry: entry[0].local_date)
        card.reaction_to_mine_by = partner_name(person_id=by, partner=partner)
    if theirs:
        checkin, reaction, _ = max(theirs, key=lambda entry: entry[0].local_date)
        card.partner_checked_in = True
        card.stormy = checkin.weather == Weather.STORMY
        if is_revealed(checkin=checkin, viewer_has_current=bool(shared)):
            card.partner_checkin = shared_view(checkin=checkin)
            card.my_reaction = reaction
            card.storm_seen = card.stormy
    if card.mine is not None and card.mine.weather == Weather.STORMY:
        card.stormy = card.storm_seen = True
    return card


@dataclass
class DashboardState:
    couple: Couple | None
    partner: User | None
    today: TodayCard
    rhythm: Rhythm | None = None
    # Weeks around now whose review was moved "this week only", with the new start.
    moves: dict[dt.date, dt.datetime] = field(default_factory=dict)
    # Both partners (or just me while pending), for the couple's shared day.
    people: list[User] = field(default_factory=list)
    # Sets a linked coach offered that the couple has not answered yet.
    open_offers: int = 0
    # Coaches linked to the couple now (each partner should know, whoever invited them).
    coaches: int = 0
    # Weeks around now whose review is done (Review.is_done): none of them is next.
    done_weeks: set[dt.date] = field(default_factory=set)


# Partners' "today" can be up to two calendar days apart (UTC-12 and UTC+14).
ZONE_SPREAD = dt.timedelta(days=2)
_CHECKIN_COLUMNS = [
    "id",
    "author_id",
    "couple_id",
    "local_date",
    "day_ends_at",
    "weather",
    "energy",
    "needs",
    "tags",
    "note_to_partner",
    "disclosure",
]
_COUPLE_COLUMNS = ["id", "status", "created_at", "paired_at", "ended_at"]
_RHYTHM_COLUMNS = [
    "id",
    "couple_id",
    "weekday",
    "local_time",
    "duration_minutes",
    "time_zone",
    "updated_at",
]
# The raw query skips the ORM's converters: the columns that need one (JSON, decryption).
_CONVERTED = [
    (i, CheckIn._meta.get_field(name))
    for i, name in enumerate(_CHECKIN_COLUMNS)
    if hasattr(CheckIn._meta.get_field(name), "from_db_value")
]


def _aware(row: tuple) -> tuple:
    """SQLite hands raw queries naive UTC datetimes; the ORM would have made them aware."""
    return tuple(
        value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.datetime) and value.tzinfo is None
        else value
        for value in row
    )


def _date(value: dt.date | str) -> dt.date:
    """SQLite hands an aggregate of dates back as text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@cache
def _dashboard_sql() -> str:
    membership, user, couple = (m._meta.db_table for m in (Membership, User, Couple))
    checkin, reaction = CheckIn._meta.db_table, Reaction._meta.db_table
    rhythm, move = Rhythm._meta.db_table, RhythmMove._meta.db_table
    offer, link = SetOffer._meta.db_table, CoachLink._meta.db_table
    review = Review._meta.db_table
    # Table and column names come from our own models, never from input. The latest done
    # review is Review.objects.done() (a focus picked) written into this one query.
    return f"""
        SELECT m.user_id, u.display_name, u.time_zone,
               {", ".join(f"c.{col}" for col in _COUPLE_COLUMNS)},
               {", ".join(f"rh.{col}" for col in _RHYTHM_COLUMNS)},
               {", ".join(f"ci.{col}" for col in _CHECKIN_COLUMNS)},
               rm.week_start, rm.starts_at,
               r.kind, r.author_id,
               (SELECT COUNT(*) FROM {offer} so
                JOIN {link} cl ON cl.couple_id = so.couple_id AND cl.coach_id = so.coach_id
                     AND cl.status = '{CoachLink.Status.ACTIVE}'
                WHERE so.couple_id = c.id AND so.status = '{SetOffer.Status.OFFERED}'),
               (SELECT COUNT(*) FROM {link} cl JOIN {user} cu ON cu.id = cl.coach_id
                WHERE cl.couple_id = c.id AND cl.status = '{CoachLink.Status.ACTIVE}'
                  AND cu.is_coach),
               (SELECT MAX(rv.week_start) FROM {review} rv
                WHERE rv.couple_id = c.id AND rv.focus_habit <> ''
                  AND rv.week_start BETWEEN %s AND %s)
        FROM {membership} me
        JOIN {couple} c ON c.id = me.couple_id
        LEFT JOIN {rhythm} rh ON rh.couple_id = c.id
        LEFT JOIN {move} rm ON rm.couple_id = c.id AND rm.week_start BETWEEN %s AND %s
        JOIN {membership} m ON m.couple_id = me.couple_id AND m.is_active
        JOIN {user} u ON u.id = m.user_id
        LEFT JOIN {checkin} ci ON ci.author_id = m.user_id
             AND ci.local_date BETWEEN %s AND %s AND ci.day_ends_at > %s
             -- services.readable() in SQL: mine, or shared with this couple
             AND (ci.author_id = %s OR ci.couple_id = me.couple_id)
        LEFT JOIN {reaction} r ON r.checkin_id = ci.id AND r.author_id <> ci.author_id
        WHERE me.user_id = %s AND me.is_active
    """  # noqa: S608


def dashboard_state(*, user: User) -> DashboardState:
    """The couple, the partner and today's card in one round trip: the dashboard's hot path.

    The same scope as Couple.objects.for_user() (active memberships exist only in couples
    that have not ended), written as one query because the dashboard is the page everyone
    opens every day; the reveal rule itself is _today_card's.
    """
    today, now = user.local_today(), timezone.now()
    window = [today - ZONE_SPREAD, today + ZONE_SPREAD, now]
    weeks = [today - dt.timedelta(days=8), today + dt.timedelta(days=8)]
    with connection.cursor() as cursor:
        cursor.execute(_dashboard_sql(), [*weeks, *weeks, *window, user.pk, user.pk])
        rows = [_aware(row) for row in cursor.fetchall()]
    if not rows:
        # No couple: my own check-in is all there is.
        mine = CheckIn.objects.filter(
            author=user, local_date__range=window[:2], day_ends_at__gt=now
        ).annotate(other_reaction=_other_reaction(), other_reaction_by=_other_reaction("author"))
        checkins = [(c, c.other_reaction, c.other_reaction_by) for c in mine]
        card = _today_card(user=user, couple=None, partner=None, checkins=checkins)
        return DashboardState(None, None, card)

    db = connection.alias
    nr = len(_RHYTHM_COLUMNS)
    nc = len(_COUPLE_COLUMNS) + nr
    couple = Couple.from_db(db, _COUPLE_COLUMNS, rows[0][3 : 3 + nc - nr])
    rhythm_values = rows[0][3 + nc - nr : 3 + nc]
    rhythm = Rhythm.from_db(db, _RHYTHM_COLUMNS, rhythm_values) if rhythm_values[0] else None
    people: dict[int, User] = {}
    checkins: dict[int, list[Current]] = {}
    moves: dict[dt.date, dt.datetime] = {}
    for row in rows:
        user_id, name, zone = row[:3]
        people.setdefault(
            user_id, User.from_db(db, ["id", "display_name", "time_zone"], [user_id, name, zone])
        )
        if row[-7] is not None:
            moves[row[-7]] = row[-6]
        values = list(row[3 + nc : -7])
        if values[0] is not None and not any(
            c.pk == values[0] for c, _, _ in checkins.get(user_id, [])
        ):
            for i, column in _CONVERTED:
                values[i] = column.from_db_value(values[i], None, connection)
            checkin = CheckIn.from_db(db, _CHECKIN_COLUMNS, values)
            checkins.setdefault(user_id, []).append((checkin, row[-5], row[-4]))
    people[user.pk] = user
    partner = next((p for pk, p in people.items() if pk != user.pk), None)

    current = [entry for entries in checkins.values() for entry in entries]
    card = _today_card(user=user, couple=couple, partner=partner, checkins=current)
    return DashboardState(
        couple,
        partner,
        card,
        rhythm,
        moves,
        list(people.values()),
        open_offers=rows[0][-3],
        coaches=rows[0][-2],
        done_weeks={_date(rows[0][-1])} if rows[0][-1] else set(),
    )


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


def current_checkin(*, user: User) -> CheckIn | None:
    """My check-in of today, while today lasts."""
    return CheckIn.objects.filter(
        author=user, local_date=user.local_today(), day_ends_at__gt=timezone.now()
    ).first()


def ended_checkin_today(*, user: User) -> bool:
    """A check-in dated today that is already over: made in a zone where today has ended."""
    return CheckIn.objects.filter(
        author=user, local_date=user.local_today(), day_ends_at__lte=timezone.now()
    ).exists()


def visible_checkin(*, viewer: User, checkin_id: int, couple: Couple | None) -> CheckIn | None:
    """A check-in the viewer may open: their own, or their partner's once revealed."""
    checkin = (
        CheckIn.objects.select_related("author")
        .annotate(other_reaction=_other_reaction(), other_reaction_by=_other_reaction("author"))
        .filter(readable(viewer=viewer, current=couple), pk=checkin_id)
        .first()
    )
    if checkin is None or checkin.author_id == viewer.pk:
        return checkin
    current = has_current_checkin(user=viewer, couple=couple)
    if not is_revealed(checkin=checkin, viewer_has_current=current):
        return None
    return checkin


# Weekly review


@dataclass
class ReviewPage:
    review: Review
    starts_at: dt.datetime
    moved: bool
    mine: ReviewAnswer | None
    # The partner's answers only once both have shared theirs; before that, nothing.
    theirs: ReviewAnswer | None
    partner_submitted: bool
    topics: list[ParkedTopic]
    reactions: list[Reaction]
    # This week's (or a future week's) review, rather than a past one.
    is_current: bool
    # The days, on the viewer's calendar, that the focus picked at this review is on.
    focus_from: dt.date | None = None
    focus_until: dt.date | None = None

    def answer_rows(self, labels: dict[str, str]) -> list[tuple[str, str, str]]:
        """Each question with both answers side by side (only ever after the reveal)."""
        return [
            (label, answer_text(self.mine, name), answer_text(self.theirs, name))
            for name, label in labels.items()
        ]

    def rating_rows(self) -> list[tuple[str, tuple[int | None, ...], tuple[int | None, ...]]]:
        """Per layer: (felt, wished, gap) for me and for my partner."""
        return [
            (label, rating_values(self.mine, layer), rating_values(self.theirs, layer))
            for layer, label in Layer.choices
        ]


def answer_text(answer: ReviewAnswer | None, name: str) -> str:
    if answer is None:
        return ""
    text = getattr(answer, name)
    if name in answer.more_time:
        return f"{text}\n(Needs more time)" if text else "Needs more time"
    return text


def rating_values(answer: ReviewAnswer | None, layer: str) -> tuple[int | str | None, ...]:
    if answer is None:
        return (None, None, None)
    felt, wished = getattr(answer, f"felt_{layer}"), getattr(answer, f"wished_{layer}")
    return (felt, wished, ReviewAnswer.gap_text(answer.gap(layer)))


AGENDA_MAX = 100


def _agenda(*, review: Review, rhythm: Rhythm) -> Q:
    """This week: open topics and those talked about this week. A past week: its own topics."""
    week_begins = dt.datetime.combine(review.week_start, dt.time(), tzinfo=rhythm.zone)
    week_ends = week_begins + dt.timedelta(weeks=1)
    if review.week_start >= rhythm.week_start():
        return Q(talked_at__isnull=True) | Q(talked_at__gte=week_begins)
    return Q(created_at__gte=week_begins, created_at__lt=week_ends)


def review_page(*, review: Review, rhythm: Rhythm, viewer: User) -> ReviewPage:
    """Everything the review page shows, in four queries whatever the couple's history.

    The review is of the viewer's current couple (an ended couple's is read in its archive).
    """
    move = RhythmMove.objects.filter(
        couple_id=review.couple_id, week_start=review.week_start
    ).first()
    answers = list(review.answers.select_related("author"))
    mine = next((a for a in answers if a.author_id == viewer.pk), None)
    theirs = next((a for a in answers if a.author_id != viewer.pk), None)
    week = (review.week_start, review.week_start + dt.timedelta(days=6))
    return ReviewPage(
        review=review,
        starts_at=move.starts_at if move else rhythm.regular_start(review.week_start),
        moved=move is not None,
        mine=mine,
        theirs=theirs
        if theirs
        and answer_readable(viewer=viewer, answer=theirs, review=review, current=review.couple)
        else None,
        partner_submitted=theirs is not None and theirs.submitted_at is not None,
        topics=list(
            ParkedTopic.objects.filter(couple_id=review.couple_id)
            .filter(_agenda(review=review, rhythm=rhythm))
            .select_related("author")
            .order_by("created_at")[:AGENDA_MAX]
        ),
        reactions=list(
            Reaction.objects.filter(
                checkin__couple_id=review.couple_id, checkin__local_date__range=week
            )
            .select_related("author", "checkin")
            .order_by("created_at")[:AGENDA_MAX]
        ),
        is_current=review.week_start >= rhythm.week_start(),
        focus_from=(
            timezone.localdate(review.focus_chosen_at, viewer.zone)
            if review.focus_chosen_at
            else None
        ),
        focus_until=review.focus_ends_on(viewer.zone),
    )


@dataclass
class GapTrend:
    weeks: list[dt.date]
    charts: list[tuple[str, list[tuple[str, list[tuple[dt.date, int | None]]]]]]
    rows: list[dict[str, object]]


def gap_trend(
    *, couple: Couple, rhythm: Rhythm, viewer: User, partner: User | None, weeks: int
) -> GapTrend:
    """The intimacy gap (wished minus felt) per layer and partner, revealed weeks: one query."""
    this_monday = rhythm.week_start()
    mondays = [this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    answers = ReviewAnswer.objects.filter(
        review__couple=couple,
        review__revealed_at__isnull=False,
        review__week_start__gte=mondays[0],
    ).select_related("review")
    by_person: dict[int, dict[dt.date, ReviewAnswer]] = {}
    for answer in answers:
        by_person.setdefault(answer.author_id, {})[answer.review.week_start] = answer
    people = [("You", viewer)] + ([(partner.display_name, partner)] if partner else [])
    charts = []
    for layer, label in Layer.choices:
        series = []
        for name, person in people:
            mine = by_person.get(person.pk, {})
            series.append((name, [(m, mine[m].gap(layer) if m in mine else None) for m in mondays]))
        charts.append((label, series))
    rows = []
    for monday in reversed(mondays):
        cells = [by_person.get(person.pk, {}).get(monday) for _, person in people]
        if any(cells):
            rows.append(
                {
                    "week": monday,
                    "gaps": [
                        [
                            ReviewAnswer.gap_text(cell.gap(layer) if cell else None)
                            for layer in Layer.values
                        ]
                        for cell in cells
                    ],
                }
            )
    return GapTrend(weeks=mondays, charts=charts, rows=rows)


def past_reviews(*, couple: Couple) -> list[Review]:
    return list(couple.reviews.filter(revealed_at__isnull=False).order_by("-week_start")[:200])


# Today's prompt: the couple's day and pace (prompts, a layer below, asks for them)

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


# What a coach may see of a couple: counts and numbers, never words the couple wrote.


@dataclass
class CoachSummary:
    engagement: list[tuple[str, int]] | None  # (partner, check-ins in the last 30 days)
    prompts_done: int | None
    reviews: list[tuple[dt.date, str, list[str]]] | None  # (week, focus, gap per layer)


def coach_summary(*, couple: Couple, share_engagement: bool, share_reviews: bool) -> CoachSummary:
    summary = CoachSummary(engagement=None, prompts_done=None, reviews=None)
    if share_engagement:
        members = list(couple.memberships.filter(is_active=True).select_related("user"))
        # Check-in dates are each partner's own; count back from the later of their todays.
        since = max(m.user.local_today() for m in members) - dt.timedelta(days=30)
        counts = dict(
            CheckIn.objects.filter(couple=couple, local_date__gte=since)
            .values("author")
            .annotate(n=Count("id"))
            .values_list("author", "n")
        )
        summary.engagement = [(m.user.display_name, counts.get(m.user_id, 0)) for m in members]
        summary.prompts_done = PromptLog.objects.filter(
            couple=couple, state=PromptLog.State.DONE
        ).count()
    if share_reviews:
        reviews = (
            couple.reviews.filter(revealed_at__isnull=False)
            .prefetch_related("answers")
            .order_by("-week_start")[:12]
        )
        summary.reviews = []
        for review in reviews:
            answers = list(review.answers.all())
            gaps = []
            for layer in Layer.values:
                values = [g for a in answers if (g := a.gap(layer)) is not None]
                mean = rounded(Fraction(sum(values), len(values))) if values else None
                gaps.append(ReviewAnswer.gap_text(mean))
            summary.reviews.append((review.week_start, review.get_focus_habit_display(), gaps))
    return summary
