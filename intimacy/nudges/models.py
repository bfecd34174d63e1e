"""Nudge preferences, one rule per partner and habit (the schedule, as state), the nudges, and
the numbers and signed tokens that every module of the package shares."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intimacy.accounts.models import User

from .catalogue import NudgeHabit

# A nudge is tried this many times (the send task retries with backoff), then marked failed.
MAX_ATTEMPTS = 5
# Back-off: after this many unopened nudges of one habit in a row, that habit comes only every
# BACK_OFF_EVERY_DAYS days (the send holds it back, the preferences page explains it).
BACK_OFF_AFTER = 3
BACK_OFF_EVERY_DAYS = 3
OPEN_SALT = "nudges.open"
UNSUBSCRIBE_SALT = "nudges.unsubscribe"


def next_local_time(*, after: dt.datetime, at: dt.time, zone: str) -> dt.datetime:
    """The first instant after `after` when clocks in `zone` show `at`, in UTC.

    A local time that does not exist that day (clocks jump over it) moves on by the gap,
    02:30 becoming 03:30; one that occurs twice fires once, at its first occurrence.
    """
    tz = zoneinfo.ZoneInfo(zone)
    day = after.astimezone(tz).date()
    while True:
        # fold=0 picks the first of a repeated hour and, for a skipped one, the offset
        # before the jump, which the round trip through UTC turns into "later by the gap".
        candidate = dt.datetime.combine(day, at, tz).astimezone(dt.UTC)
        if candidate > after:
            return candidate
        day += dt.timedelta(days=1)


def in_quiet_hours(*, local: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether `local` falls in [start, end), a window that may cross midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


class NudgeSettings(models.Model):
    """A partner's choices for every nudge: channels, quiet hours, a daily cap, a pause."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_settings"
    )
    by_email = models.BooleanField(default=True)
    in_app = models.BooleanField(default=True)
    quiet_start = models.TimeField(default=dt.time(22, 0))
    quiet_end = models.TimeField(default=dt.time(7, 0))
    daily_cap = models.PositiveSmallIntegerField(default=3)
    paused_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "nudge settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_cap__gte=1, daily_cap__lte=10), name="nudge_cap_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Nudge settings of {self.user}"

    def is_paused(self, day: dt.date) -> bool:
        return self.paused_until is not None and day <= self.paused_until


class NudgeRule(models.Model):
    """One habit for one partner: at what local time, and when it is next due (UTC).

    `next_due_at` is the schedule: the dispatcher claims rules whose time has come and moves
    it on. NULL means nothing is planned (switched off, or no active couple).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudge_rules"
    )
    habit = models.CharField(max_length=32, choices=NudgeHabit.choices)
    local_time = models.TimeField()
    enabled = models.BooleanField(default=False)
    # Switched on by the weekly review's focus until this local date (inclusive).
    focus_until = models.DateField(null=True, blank=True)
    focus_review_id = models.BigIntegerField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    # The zone next_due_at was computed in; a changed profile zone means computing again.
    zone = models.CharField(max_length=64, default="UTC")
    computed_at = models.DateTimeField(default=timezone.now)
    # Nudges sent in a row that nobody opened; three or more and we send less often.
    ignored_in_a_row = models.PositiveSmallIntegerField(default=0)
    last_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "habit"], name="nudge_rule_per_habit"),
        ]
        indexes = [
            # The dispatcher's claim: due rules, oldest first.
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="nudge_rule_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_habit_display()} for {self.user} at {self.local_time:%H:%M}"

    def is_on(self, day: dt.date) -> bool:
        return self.enabled or (self.focus_until is not None and day <= self.focus_until)

    def next_fire_at(self, *, after: dt.datetime, zone: str) -> dt.datetime:
        return next_local_time(after=after, at=self.local_time, zone=zone)


class Nudge(models.Model):
    """One nudge of one habit to one partner on one local date: written once, sent once."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        HELD = "held", "Held back"
        FAILED = "failed", "Could not be sent"

    class Held(models.TextChoices):
        QUIET = "quiet", "in your quiet hours"
        PAUSED = "paused", "nudges are paused"
        CAP = "cap", "today's limit was reached"
        NO_COUPLE = "no_couple", "you are not in a couple now"
        DONE = "done", "already done"
        BACKING_OFF = "backing_off", "backing off after unopened nudges"
        NO_CHANNEL = "no_channel", "no way to reach you is switched on"
        OFF = "off", "switched off"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges"
    )
    rule = models.ForeignKey(
        NudgeRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="nudges"
    )
    habit = models.CharField(max_length=32, choices=NudgeHabit.choices)
    local_date = models.DateField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    held = models.CharField(max_length=12, choices=Held.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Who is sending it (one send task's claim) and until when; only that task marks it sent.
    claimed_by = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    by_email = models.BooleanField(default=False)
    in_app = models.BooleanField(default=False)
    # What the in-app inbox shows (the email says the same).
    title = models.CharField(max_length=120, blank=True)
    message = models.CharField(max_length=400, blank=True)
    link = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "habit", "local_date"], name="nudge_once_per_day"
            ),
        ]
        indexes = [
            # The sweeper: nudges stuck in sending past their lease, or never picked up.
            models.Index(
                fields=["state", "lease_until"],
                condition=Q(state__in=["pending", "sending"]),
                name="nudge_unfinished",
            ),
            # The inbox and the daily cap: a partner's latest nudges.
            models.Index(fields=["user", "-due_at"], name="nudge_user_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_habit_display()} for {self.user} on {self.local_date}"

    def open_token(self) -> str:
        """For the nudge's link: signed, so it works without logging in and can't be guessed."""
        return signing.Signer(salt=OPEN_SALT).sign(str(self.pk))

    @classmethod
    def from_open_token(cls, token: str) -> "Nudge | None":
        try:
            pk = int(signing.Signer(salt=OPEN_SALT).unsign(token))
        except (signing.BadSignature, ValueError):
            return None
        return cls.objects.filter(pk=pk).first()


def unsubscribe_token(user: User) -> str:
    """For the one-click unsubscribe link in every nudge email: signed, works without login."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def user_for_unsubscribe(token: str) -> User | None:
    try:
        user_id = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
