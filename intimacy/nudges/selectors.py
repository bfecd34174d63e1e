"""What the preferences page and the inbox show, and what the review pages say about the
review reminder. Every "next" here is what the send-time rules (holds.py) will let through."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from intimacy.accounts.models import User

from .catalogue import CATALOGUE, NudgeHabit
from .holds import NO_RHYTHM, Upcoming, facts_for, upcoming
from .models import BACK_OFF_AFTER, BACK_OFF_EVERY_DAYS, Nudge, NudgeRule, NudgeSettings


@dataclass
class RuleStatus:
    rule: NudgeRule
    next_local: dt.datetime | None
    backing_off: bool
    focus: bool
    # Why the next one is later than its usual time, or why none will come: a sentence.
    note: str = ""
    # The latest nudge of this habit (sent, held back with its reason, or waiting).
    last: Nudge | None = None
    upcoming: Upcoming | None = None


def _quiet(prefs: NudgeSettings) -> str:
    return f"{prefs.quiet_start:%H:%M}\u2013{prefs.quiet_end:%H:%M}"


def _note(
    rule: NudgeRule, coming: Upcoming, prefs: NudgeSettings, review_at: dt.datetime | None
) -> str:
    """In words: why the next nudge of `rule` is not at its usual time, or why none comes.
    `review_at`: the couple's next review, in the partner's zone."""
    review = rule.habit == NudgeHabit.WEEKLY_REVIEW
    at = f"at {review_at:%H:%M} your time, " if review_at else ""
    if coming.blocked == Nudge.Held.NO_COUPLE:
        return "None will come: you are not in a couple now. It starts again once you pair."
    if coming.blocked == NO_RHYTHM:
        return "Starts once the two of you set a time for your weekly review."
    if coming.blocked == Nudge.Held.NO_CHANNEL:
        return "None will come: no way to reach you is switched on (see How we reach you)."
    if coming.blocked == Nudge.Held.PAUSED:
        return "None will come while your nudges are paused."
    if coming.blocked == Nudge.Held.QUIET:
        if review:
            return (
                f"None will come: your review is {at}inside your quiet hours "
                f"({_quiet(prefs)}). Change your quiet hours, or agree another time for "
                "the review."
            )
        return f"None will come: its time is in your quiet hours ({_quiet(prefs)})."
    if coming.blocked:
        return f"None will come for now: {Nudge.Held(coming.blocked).label}."
    if coming.skipped == Nudge.Held.DONE:
        return {
            NudgeHabit.MORNING_CHECKIN: "Not today: you have checked in.",
            NudgeHabit.TODAYS_PROMPT: "Not today: today's prompt is done or skipped.",
        }.get(rule.habit, "Not today: already done.")
    if coming.skipped == Nudge.Held.QUIET and review:
        return f"This week's review is {at}inside your quiet hours ({_quiet(prefs)})."
    return {
        Nudge.Held.PAUSED: "Nothing comes before then: your nudges are paused.",
        Nudge.Held.CAP: "Not today: today's limit is reached.",
        Nudge.Held.QUIET: f"A sooner one falls in your quiet hours ({_quiet(prefs)}).",
    }.get(coming.skipped or "", "")


HELD_HINTS = {
    Nudge.Held.QUIET: "Nothing arrives in your quiet hours. To have it, change them below.",
    Nudge.Held.PAUSED: "Your nudges were paused. Clear the date above to have them again.",
    Nudge.Held.CAP: "You had reached your limit for the day; you can raise it below.",
    Nudge.Held.NO_COUPLE: "Nudges wait while you are not in a couple.",
    Nudge.Held.DONE: "You had already done it, so there was no need.",
    Nudge.Held.BACKING_OFF: "You had not opened the last few, so it comes every third day.",
    Nudge.Held.NO_CHANNEL: "Neither email nor the app was switched on.",
    Nudge.Held.OFF: "It was switched off.",
}


def page_rules(*, user: User) -> tuple[NudgeSettings | None, list[NudgeRule]]:
    """A partner's settings and rules, each rule with its latest nudge (`last`): two queries."""
    latest = Nudge.objects.filter(user=user, habit=OuterRef("habit")).order_by("-due_at")
    rules = list(
        user.nudge_rules.annotate(
            **{
                f"last_{name}": Subquery(latest.values(name)[:1])
                for name in ("due_at", "state", "held")
            }
        )
    )
    for rule in rules:
        rule.user = user
    return NudgeSettings.objects.filter(user=user).first(), rules


def _last(rule: NudgeRule) -> Nudge | None:
    """The latest nudge of a rule, from page_rules' annotations (for display only)."""
    due_at = getattr(rule, "last_due_at", None)
    if due_at is None:
        return None
    return Nudge(
        user=rule.user,
        habit=rule.habit,
        due_at=due_at,
        state=getattr(rule, "last_state", ""),
        held=getattr(rule, "last_held", ""),
    )


def rule_statuses(
    *,
    user: User,
    prefs: NudgeSettings,
    rules: list[NudgeRule],
    now: dt.datetime | None = None,
) -> list[RuleStatus]:
    """Each habit's rule (from page_rules) with when its next nudge really comes, or why none
    will: the send-time rules asked about each due time, on facts read in a few queries."""
    now = now or timezone.now()
    today = user.local_today()
    by_habit = {rule.habit: rule for rule in rules}
    on = {rule.habit for rule in rules if rule.is_on(today)}
    facts = facts_for(((user.pk, habit, today) for habit in on), now=now)
    plan = facts.plan(user.pk)
    review_at = (
        timezone.localtime(plan.rhythm.next_start(plan.moves, now, done=plan.done), user.zone)
        if plan
        else None
    )
    statuses = []
    for key in CATALOGUE:
        rule = by_habit.get(key)
        if rule is None:
            continue
        coming = (
            upcoming(rule=rule, user=user, prefs=prefs, facts=facts, now=now)
            if key in on
            else Upcoming()
        )
        statuses.append(
            RuleStatus(
                rule=rule,
                next_local=timezone.localtime(coming.next_at, user.zone)
                if coming.next_at
                else None,
                backing_off=rule.ignored_in_a_row >= BACK_OFF_AFTER,
                focus=not rule.enabled
                and rule.focus_until is not None
                and today <= rule.focus_until,
                note=_note(rule, coming, prefs, review_at) if key in on else "",
                last=_last(rule),
                upcoming=coming,
            )
        )
    return statuses


def last_held(statuses: list[RuleStatus], *, now: dt.datetime, days: int = 14) -> Nudge | None:
    """The latest nudge held back in the last two weeks and not followed by one of its habit
    that came: what the page explains first."""
    since = now - dt.timedelta(days=days)
    held = [
        s.last
        for s in statuses
        if s.last and s.last.state == Nudge.State.HELD and s.last.due_at >= since
    ]
    return max(held, key=lambda nudge: nudge.due_at, default=None)


@dataclass
class ReviewReminderNote:
    """For a partner whose review reminders fall in their own quiet hours."""

    starts: dt.datetime  # the review's next start, in the partner's zone
    quiet_start: dt.time
    quiet_end: dt.time
    every_week: bool  # rather than only this week (a week moved into the quiet hours)


def review_quiet_note(*, user: User) -> ReviewReminderNote | None:
    """Whether the partner's own review reminders are held back by their quiet hours, as the
    send-time rules would decide: said to that partner only, where the rhythm is set."""
    if not user.is_authenticated:
        return None
    rule = (
        NudgeRule.objects.select_related("user__nudge_settings")
        .filter(user=user, habit=NudgeHabit.WEEKLY_REVIEW)
        .first()
    )
    prefs = getattr(rule.user, "nudge_settings", None) if rule else None
    if rule is None or prefs is None or not rule.is_on(user.local_today()):
        return None
    now = timezone.now()
    facts = facts_for([(user.pk, rule.habit, user.local_today())], now=now)
    coming = upcoming(rule=rule, user=user, prefs=prefs, facts=facts, now=now)
    plan = facts.plan(user.pk)
    if plan is None or Nudge.Held.QUIET not in coming.reasons:
        return None
    starts = plan.rhythm.next_start(plan.moves, now, done=plan.done)
    return ReviewReminderNote(
        starts=timezone.localtime(starts, user.zone),
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
        every_week=coming.blocked == Nudge.Held.QUIET,
    )


BACK_OFF_TEXT = (
    f"You have not opened the last {BACK_OFF_AFTER} of these, so we now send it only every "
    f"{BACK_OFF_EVERY_DAYS} days. Open one, or save this page, to have it daily again."
)


def inbox(*, user: User, limit: int = 50) -> list[Nudge]:
    return list(
        Nudge.objects.filter(user=user, in_app=True, state=Nudge.State.SENT).order_by("-due_at")[
            :limit
        ]
    )


def unread(*, user: User, limit: int = 3) -> list[Nudge]:
    """The dashboard's few newest unread nudges; asked only when the count says there are."""
    if not user.unread_nudges:
        return []
    return list(
        Nudge.objects.filter(user=user, in_app=True, state=Nudge.State.SENT, read_at=None).order_by(
            "-due_at"
        )[:limit]
    )
