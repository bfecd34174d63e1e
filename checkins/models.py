import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intimacy.accounts.models import Couple

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

    WEATHER = "weather", "Just my weather"
    NEEDS = "needs", "My weather and what I need"
    ALL = "all", "Everything but my private note"


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def between(self, first: dt.date, last: dt.date) -> "CheckInQuerySet":
        return self.filter(local_date__gte=first, local_date__lte=last)


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
    weather = models.CharField(max_length=16, choices=Weather.choices)
    energy = models.PositiveSmallIntegerField()
    needs = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    note_to_partner = models.TextField(max_length=NOTE_MAX, blank=True)
    private_note = models.TextField(max_length=PRIVATE_NOTE_MAX, blank=True)
    disclosure = models.CharField(
        max_length=10, choices=Disclosure.choices, default=Disclosure.NEEDS
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CheckInQuerySet.as_manager()

    class Meta:
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


class Reaction(models.Model):
    """A one-tap answer to the partner's check-in."""

    class Kind(models.TextChoices):
        SEE_YOU = "see_you", "I see you"
        HUG = "hug", "Sending a hug"
        TALK_TONIGHT = "talk_tonight", "Want to talk tonight?"

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reactions")
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
                name="reaction_known_kind", condition=Q(kind__in=["see_you", "hug", "talk_tonight"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.get_kind_display()}"
