import datetime as dt
from collections.abc import Collection
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intimacy.accounts.models import Couple
from intimacy.lib.crypto import EncryptedTextField

NOTE_MAX = 2000
PRIVATE_NOTE_MAX = 4000


class Weather(models.TextChoices):
    """The seven kinds of emotional weather, brightest first."""

    SUNNY = "sunny", "Sunny"
    BRIGHT_SPELLS = "bright_spells", "Bright spells"
    OVERCAST = "overcast", "Overcast"
    FOGGY = "foggy", "Foggy"
    WINDY = "windy", "Windy"
    RAINY = "rainy", "Rainy"
    STORMY = "stormy", "Stormy"


WEATHER_HINTS = {
    Weather.SUNNY: "light, glad",
    Weather.BRIGHT_SPELLS: "mostly good",
    Weather.OVERCAST: "flat, so-so",
    Weather.FOGGY: "numb, unclear",
    Weather.WINDY: "restless, anxious",
    Weather.RAINY: "sad, low",
    Weather.STORMY: "upset, overwhelmed",
}

# For the trend chart: how bright each weather is, from 7 (sunny) down to 1 (stormy).
WEATHER_BRIGHTNESS = {w.value: 7 - i for i, w in enumerate(Weather)}


class Need(models.TextChoices):
    SPACE = "space", "Space"
    COMFORT = "comfort", "Comfort"
    CLOSENESS = "closeness", "Closeness"
    FUN = "fun", "Fun"
    PRACTICAL_HELP = "practical_help", "Practical help"
    TO_TALK = "to_talk", "To talk"


class Tag(models.TextChoices):
    WORK = "work", "Work"
    SLEEP = "sleep", "Sleep"
    HEALTH = "health", "Health"
    FAMILY = "family", "Family"
    MONEY = "money", "Money"
    US = "us", "Us"
    OTHER = "other", "Other"


class Disclosure(models.TextChoices):
    """How much of one check-in the partner sees. The private note is never shared."""

    WEATHER = "weather", "Just your weather"
    NEEDS = "needs", "Weather, energy and needs"
    ALL = "all", "Everything but your private note"


class CheckIn(models.Model):
    """One partner's emotional weather for one day of their own calendar."""

    # No single-column indexes: checkin_one_per_day and checkin_couple_date lead with these.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins", db_index=False
    )
    # The couple it was shared with; kept by the author if the couple ends.
    couple = models.ForeignKey(
        Couple,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        db_index=False,
    )
    local_date = models.DateField(help_text="The day in the author's own time zone.")
    # When that day ends where the author was: editable and "today's" until then, whatever
    # time zone the author chooses later.
    day_ends_at = models.DateTimeField()
    weather = models.CharField(max_length=16, choices=Weather.choices)
    energy = models.PositiveSmallIntegerField()
    needs = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    note_to_partner = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    private_note = EncryptedTextField(max_length=PRIVATE_NOTE_MAX, blank=True)
    disclosure = models.CharField(
        max_length=10, choices=Disclosure.choices, default=Disclosure.NEEDS
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "check-in"
        constraints = [
            # One per partner per local day; also the index for "my check-ins between dates".
            models.UniqueConstraint(fields=["author", "local_date"], name="checkin_one_per_day"),
            models.CheckConstraint(
                name="checkin_energy_1_to_5", condition=Q(energy__gte=1, energy__lte=5)
            ),
            models.CheckConstraint(
                name="checkin_known_weather", condition=Q(weather__in=Weather.values)
            ),
            models.CheckConstraint(
                name="checkin_known_disclosure", condition=Q(disclosure__in=Disclosure.values)
            ),
        ]
        indexes = [
            # History and dashboard: both partners' check-ins of one couple between two dates.
            models.Index(fields=["couple", "local_date"], name="checkin_couple_date"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.local_date}: {self.weather}"

    def need_labels(self) -> list[str]:
        return [Need(n).label for n in self.needs if n in Need.values]

    def tag_labels(self) -> list[str]:
        return [Tag(t).label for t in self.tags if t in Tag.values]

    def is_current(self, now: dt.datetime | None = None) -> bool:
        """Still its author's today: not yet history."""
        return self.day_ends_at > (now or timezone.now())


class ReactionKind(models.TextChoices):
    SEE_YOU = "see_you", "I see you"
    HUG = "hug", "Sending a hug"
    TALK_TONIGHT = "talk_tonight", "Want to talk tonight?"


class Reaction(models.Model):
    """A one-tap answer to the partner's check-in."""

    Kind = ReactionKind

    # No index of its own: reaction_one_per_checkin leads with it.
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, related_name="reactions", db_index=False
    )
    # Indexed for deleting an account's reactions (and the export of them).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One reaction per partner per check-in; tapping another replaces it.
            models.UniqueConstraint(fields=["checkin", "author"], name="reaction_one_per_checkin"),
            models.CheckConstraint(
                name="reaction_known_kind", condition=Q(kind__in=ReactionKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.get_kind_display()}"


class Habit(models.TextChoices):
    """The catalogue of micro-habits: small repeated acts a couple can focus on for a week.

    It lives here, not in intimacy.nudges, because the weekly review (this layer) stores the
    couple's choice; the nudges, a layer above, build their schedules on it.
    """

    MORNING_CHECKIN = "morning_checkin", "Morning emotional-weather check-in"
    EVENING_GRATITUDE = "evening_gratitude", "Evening gratitude for your partner"
    DEVICE_FREE_TALK = "device_free_talk", "Ten device-free minutes of conversation"
    SLOW_HUG = "slow_hug", "A slow hug"
    PLAYFUL_TOUCH = "playful_touch", "Playful touch"
    MICRO_REPAIR = "micro_repair", "A quick micro-repair"
    SOMETHING_NEW = "something_new", "Trying something new together"
    WEEKLY_REVIEW = "weekly_review", "The weekly review itself"


class Rhythm(models.Model):
    """When the couple meets for its weekly review, in the couple's own time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    couple = models.OneToOneField(Couple, on_delete=models.CASCADE, related_name="rhythm")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.SUNDAY)
    local_time = models.TimeField(default=dt.time(19, 0))
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    time_zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="rhythm_weekday_0_to_6", condition=Q(weekday__lte=6)),
            models.CheckConstraint(
                name="rhythm_duration_sane",
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=240),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.local_time:%H:%M} ({self.time_zone})"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def week_start(self, at: dt.datetime | None = None) -> dt.date:
        """The Monday of the week that contains `at` (now by default), as the couple counts it."""
        today = timezone.localtime(at or timezone.now(), self.zone).date()
        return today - dt.timedelta(days=today.weekday())

    def regular_start(self, week_start: dt.date) -> dt.datetime:
        """The usual start of the review in the week beginning `week_start` (aware, couple's zone).

        A local time that does not exist that day (clocks jump forward) moves on by the gap;
        one that happens twice (clocks go back) is the first of the two.
        """
        day = week_start + dt.timedelta(days=self.weekday)
        naive = dt.datetime.combine(day, self.local_time)
        start = naive.replace(tzinfo=self.zone, fold=0)
        # Round-trip through UTC: a non-existent wall time comes back shifted by the gap.
        return start.astimezone(dt.UTC).astimezone(self.zone)

    def wall_start(self, week_start: dt.date) -> dt.datetime:
        """The rhythm's day and clock time in the week beginning `week_start`, as written on a
        calendar: not shifted, even where the clocks skip that time (iCalendar's own rule)."""
        day = week_start + dt.timedelta(days=self.weekday)
        return dt.datetime.combine(day, self.local_time, tzinfo=self.zone)

    def next_start(
        self,
        moves: dict[dt.date, dt.datetime],
        now: dt.datetime | None = None,
        done: Collection[dt.date] = (),
    ) -> dt.datetime:
        """This week's review start, or next week's once this week's is over or done.

        `moves` maps the weeks moved "this week only" to their new start; `done` holds the
        weeks whose review is done (Review.is_done): a review that is done is not next.
        """
        now = now or timezone.now()
        week = self.week_start(now)
        starts = moves.get(week) or self.regular_start(week)
        if week in done or starts + dt.timedelta(minutes=self.duration_minutes) < now:
            week += dt.timedelta(weeks=1)
            starts = moves.get(week) or self.regular_start(week)
        return starts


class RhythmMove(models.Model):
    """The review of one week moved to another time, without changing the rhythm."""

    couple = models.ForeignKey(
        Couple, on_delete=models.CASCADE, related_name="rhythm_moves", db_index=False
    )
    week_start = models.DateField()
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One move per week; also the index for the moves of a couple by week.
            models.UniqueConstraint(
                fields=["couple", "week_start"], name="rhythm_move_once_a_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Week of {self.week_start} moved to {self.starts_at:%Y-%m-%d %H:%M}"


# The habit a couple picks at its review is on from that day until the same day a week later
# (the next review's day): it starts while the review is fresh, and hands over to the next.
FOCUS_DAYS = 7


class ReviewQuerySet(models.QuerySet["Review"]):
    def done(self) -> "ReviewQuerySet":
        """Reviews that are done: see Review.is_done (a focus needs the reveal, a constraint
        makes sure, so the focus alone tells)."""
        return self.exclude(focus_habit="")


class Review(models.Model):
    """The couple's weekly connection review; the week as the couple's zone counts it."""

    couple = models.ForeignKey(
        Couple, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    week_start = models.DateField(help_text="The Monday of the week, in the couple's time zone.")
    revealed_at = models.DateTimeField(null=True, blank=True)
    focus_habit = models.CharField(max_length=32, choices=Habit.choices, blank=True)
    focus_chosen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            # One review per couple per week; also the index for a couple's reviews by week.
            models.UniqueConstraint(fields=["couple", "week_start"], name="review_once_a_week"),
            models.CheckConstraint(
                name="review_focus_after_reveal",
                condition=Q(focus_habit="") | Q(revealed_at__isnull=False),
            ),
            models.CheckConstraint(
                name="review_known_focus", condition=Q(focus_habit__in=["", *Habit.values])
            ),
        ]

    def __str__(self) -> str:
        return f"Review of the week of {self.week_start}"

    @property
    def is_done(self) -> bool:
        """Done once both partners have shared their answers and picked next week's focus:
        no reminder comes for it, and it is no longer the next review anywhere."""
        return bool(self.focus_habit)

    def focus_ends_on(self, zone: ZoneInfo) -> dt.date | None:
        """The last day, on the calendar of `zone`, that the focus habit is on (FOCUS_DAYS)."""
        if not self.focus_chosen_at:
            return None
        return timezone.localdate(self.focus_chosen_at, zone) + dt.timedelta(days=FOCUS_DAYS)


class ReviewAnswer(models.Model):
    """One partner's private answers to one weekly review."""

    TEXT_QUESTIONS = [
        "appreciations",
        "went_well",
        "hard_moment",
        "unspoken_need",
        "feel_loved",
    ]

    # No index of its own: review_answer_once_each leads with it.
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    # Indexed for deleting an account's answers (and the export of them).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_answers"
    )
    appreciations = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    went_well = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    hard_moment = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    unspoken_need = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    feel_loved = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    # The text questions answered "needs more time".
    more_time = models.JSONField(default=list, blank=True)

    class Repair(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        MORE_TIME = "more_time", "Needs more time"

    # Blank until answered.
    repair = models.CharField(max_length=10, choices=Repair.choices, blank=True)
    repair_what = EncryptedTextField(max_length=NOTE_MAX, blank=True)
    felt_emotional = models.PositiveSmallIntegerField(null=True, blank=True)
    wished_emotional = models.PositiveSmallIntegerField(null=True, blank=True)
    felt_physical = models.PositiveSmallIntegerField(null=True, blank=True)
    wished_physical = models.PositiveSmallIntegerField(null=True, blank=True)
    felt_intellectual = models.PositiveSmallIntegerField(null=True, blank=True)
    wished_intellectual = models.PositiveSmallIntegerField(null=True, blank=True)
    felt_digital = models.PositiveSmallIntegerField(null=True, blank=True)
    wished_digital = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "author"], name="review_answer_once_each"),
            *(
                models.CheckConstraint(
                    name=f"review_answer_{field}_1_to_5",
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
                )
                for field in (
                    "felt_emotional",
                    "wished_emotional",
                    "felt_physical",
                    "wished_physical",
                    "felt_intellectual",
                    "wished_intellectual",
                    "felt_digital",
                    "wished_digital",
                )
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}'s answers for {self.review}"

    @staticmethod
    def gap_text(gap: int | None) -> str:
        """A gap as people read it: +2, 0, -1; a dash when not answered."""
        return "\u2014" if gap is None else f"{gap:+d}" if gap else "0"

    def gap(self, layer: str) -> int | None:
        """The intimacy gap for one layer: closeness wished minus closeness felt."""
        felt, wished = getattr(self, f"felt_{layer}"), getattr(self, f"wished_{layer}")
        return None if felt is None or wished is None else wished - felt


class ParkedTopic(models.Model):
    """Something to talk about at the next weekly review."""

    # Indexed: a past review's agenda (the topics parked in its week).
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="parked_topics")
    # Indexed for deleting an account's topics (and the export of them).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parked_topics"
    )
    text = EncryptedTextField(max_length=280)
    created_at = models.DateTimeField(default=timezone.now)
    talked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The agenda: a couple's topics not yet talked about.
            models.Index(
                fields=["couple", "created_at"],
                condition=Q(talked_at__isnull=True),
                name="parked_topic_open",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class CalendarFeed(models.Model):
    """A partner's secret, revocable address for the weekly review as an iCalendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
