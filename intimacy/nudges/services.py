"""A partner's own actions on their nudges: saving their preferences, opening one, reading
the inbox, the one-click unsubscribe. Setting up a partner's rules and the minute's work live in
schedule.py, sending in sending.py, the signed tokens on the models."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from intimacy.accounts.models import User

from .models import Nudge, NudgeRule, NudgeSettings
from .schedule import nudges_set_up, reschedule


@dataclass
class RuleChoice:
    enabled: bool
    local_time: dt.time
    stop_focus: bool = False


@transaction.atomic
def preferences_save(
    *,
    user: User,
    by_email: bool,
    in_app: bool,
    quiet_start: dt.time,
    quiet_end: dt.time,
    daily_cap: int,
    paused_until: dt.date | None,
    rules: dict[str, RuleChoice],
) -> NudgeSettings:
    """Save a partner's choices. Saving starts every habit's back-off afresh; only habits
    whose time or switch changed get a new due time (one due now stays due)."""
    prefs = nudges_set_up(user=user)
    prefs.by_email, prefs.in_app = by_email, in_app
    prefs.quiet_start, prefs.quiet_end = quiet_start, quiet_end
    prefs.daily_cap, prefs.paused_until = daily_cap, paused_until
    prefs.save()
    changed = []
    for rule in user.nudge_rules.select_related("user"):
        choice = rules.get(rule.habit)
        if choice is None:
            continue
        stop = choice.stop_focus and rule.focus_until is not None
        if stop or (rule.enabled, rule.local_time) != (choice.enabled, choice.local_time):
            changed.append(rule)
        rule.enabled, rule.local_time = choice.enabled, choice.local_time
        if stop:
            rule.focus_until = None
        rule.ignored_in_a_row = 0
        rule.save(update_fields=["enabled", "local_time", "focus_until", "ignored_in_a_row"])
    reschedule(changed, now=timezone.now())
    return prefs


def email_unsubscribe(*, user: User) -> None:
    """One-click unsubscribe: no more nudge emails (the in-app inbox stays as it was)."""
    nudges_set_up(user=user)
    NudgeSettings.objects.filter(user=user).update(by_email=False)


@transaction.atomic
def nudge_open(*, nudge: Nudge) -> None:
    """A partner followed a nudge (from an email or the app): it was not ignored, so that
    habit's back-off starts over, and in the app it counts as read."""
    now = timezone.now()
    Nudge.objects.filter(pk=nudge.pk, opened_at__isnull=True).update(opened_at=now)
    if nudge.in_app and nudge.read_at is None:
        read = Nudge.objects.filter(pk=nudge.pk, read_at__isnull=True).update(read_at=now)
        if read:
            User.objects.filter(pk=nudge.user_id, unread_nudges__gt=0).update(
                unread_nudges=F("unread_nudges") - 1
            )
    if nudge.rule_id:
        NudgeRule.objects.filter(pk=nudge.rule_id).update(ignored_in_a_row=0)


@transaction.atomic
def inbox_read(*, user: User) -> int:
    """Mark every in-app nudge read; a read nudge counts as opened for the back-off."""
    now = timezone.now()
    unread = Nudge.objects.filter(user=user, in_app=True, state=Nudge.State.SENT, read_at=None)
    rule_ids = list(unread.exclude(rule=None).values_list("rule_id", flat=True))
    count = unread.update(read_at=now)
    NudgeRule.objects.filter(pk__in=rule_ids).update(ignored_in_a_row=0)
    User.objects.filter(pk=user.pk).update(unread_nudges=0)
    user.unread_nudges = 0
    return count
