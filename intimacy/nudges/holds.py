"""Why a nudge is held back instead of sent: the send-time rules, in one place for the send
and for the pages that say what comes next (Settings → Your nudges, the review's rhythm).

"Already done" lives here too. The app knows a habit is done when it keeps a trace of it: a
check-in made that day, today's prompt done or skipped, a review both partners shared and
picked a focus for (Review.is_done). The other habits (a hug, ten minutes without phones,
a thank-you said in person) leave no trace in the app, so they come each day they are on.
"""

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from checkins.models import CheckIn, ReviewAnswer
from checkins.selectors.prompt_pace import couple_zone
from intimacy.accounts.models import Couple, Membership, User
from prompts.models import DailyPrompt, PromptLog

from .catalogue import CATALOGUE, NudgeHabit
from .models import (
    BACK_OFF_AFTER,
    BACK_OFF_EVERY_DAYS,
    Nudge,
    NudgeRule,
    NudgeSettings,
    in_quiet_hours,
)
from .schedule import ReviewPlan, review_plans, rule_due

# What the couple did with today's prompt that means no nudge for it.
PROMPT_FINISHED = (PromptLog.State.DONE, PromptLog.State.SKIPPED)


@dataclass
class Facts:
    """What the rules need to know about some partners, read in a fixed number of queries."""

    couples: dict[int, int] = field(default_factory=dict)  # partner -> active couple
    checked_in: set[tuple[int, dt.date]] = field(default_factory=set)
    # (couple, the couple's day) whose prompt is done or skipped.
    prompts_finished: set[tuple[int, dt.date]] = field(default_factory=set)
    # The zone of each couple's shared day (checkins.selectors.prompt_pace.couple_today's rule).
    couple_zones: dict[int, zoneinfo.ZoneInfo] = field(default_factory=dict)
    plans: dict[int, ReviewPlan] = field(default_factory=dict)  # by couple
    # (couple, week, partner) who shared their review answers.
    shared: set[tuple[int, dt.date, int]] = field(default_factory=set)
    sent_today: Counter = field(default_factory=Counter)

    def plan(self, user_id: int) -> ReviewPlan | None:
        couple_id = self.couples.get(user_id)
        return self.plans.get(couple_id) if couple_id else None


def facts_for(wanted: Iterable[tuple[int, str, dt.date]], *, now: dt.datetime) -> Facts:
    """The facts for (partner, habit, local date) triples: one query for the couples, one for
    the day's counts, and a few more only for the habits present (check-ins, prompts,
    reviews). Never one per nudge."""
    wanted = list(wanted)
    users = {user_id for user_id, _, _ in wanted}
    days = {day for _, _, day in wanted}
    prompts = {u for u, habit, _ in wanted if habit == NudgeHabit.TODAYS_PROMPT}
    reviews = {u for u, habit, _ in wanted if habit == NudgeHabit.WEEKLY_REVIEW}
    checkins = {u for u, habit, _ in wanted if habit == NudgeHabit.MORNING_CHECKIN}
    facts = Facts()
    members = Membership.objects.filter(
        user_id__in=users, is_active=True, couple__status=Couple.Status.ACTIVE
    )
    first_zones: dict[int, str] = {}
    if prompts:
        # Today's prompt follows the couple's date (checkins.selectors.prompt_pace.couple_zone).
        first = Membership.objects.filter(couple=OuterRef("couple"), is_active=True)
        zone = Subquery(first.order_by("user_id").values("user__time_zone")[:1])
        for user_id, couple_id, first_zone in members.values_list("user_id", "couple_id", zone):
            facts.couples[user_id] = couple_id
            if user_id in prompts:
                first_zones[couple_id] = first_zone
    else:
        facts.couples = dict(members.values_list("user_id", "couple_id"))
    facts.sent_today = Counter(
        Nudge.objects.filter(
            user_id__in=users, local_date__in=days, state=Nudge.State.SENT
        ).values_list("user_id", "local_date")
    )
    if checkins:
        facts.checked_in = set(
            CheckIn.objects.filter(author_id__in=checkins, local_date__in=days).values_list(
                "author_id", "local_date"
            )
        )
    planned = {facts.couples[u] for u in prompts | reviews if u in facts.couples}
    if planned:
        facts.plans = review_plans(planned, now=now)
    if first_zones:
        _prompt_facts(facts, first_zones, now=now)
    return facts


def _prompt_facts(facts: Facts, first_zones: dict[int, str], *, now: dt.datetime) -> None:
    for couple_id, zone in first_zones.items():
        plan = facts.plans.get(couple_id)
        facts.couple_zones[couple_id] = couple_zone(
            rhythm=plan.rhythm if plan else None, first_partner_zone=zone
        )
    today = {timezone.localdate(now, zone) for zone in facts.couple_zones.values()}
    days = {day + dt.timedelta(days=n) for day in today for n in (-1, 0, 1)}
    state = PromptLog.objects.filter(couple=OuterRef("couple"), prompt=OuterRef("prompt"))
    facts.prompts_finished = set(
        DailyPrompt.objects.filter(couple_id__in=first_zones, day__in=days)
        .annotate(state=Subquery(state.values("state")[:1]))
        .filter(state__in=PROMPT_FINISHED)
        .values_list("couple_id", "day")
    )


def shared_answers(facts: Facts, user_ids: Iterable[int], *, now: dt.datetime) -> None:
    """Who has shared their answers to recent reviews, for the reminders' words: one query."""
    couples = {facts.couples[u] for u in user_ids if u in facts.couples} & set(facts.plans)
    if couples:
        facts.shared = set(
            ReviewAnswer.objects.filter(
                review__couple_id__in=couples,
                review__week_start__gte=(now - dt.timedelta(weeks=2)).date(),
                submitted_at__isnull=False,
            ).values_list("review__couple_id", "review__week_start", "author_id")
        )


def already_done(
    *, user_id: int, habit: str, local_date: dt.date, due_at: dt.datetime, facts: Facts
) -> bool:
    """Whether the habit a nudge (due at `due_at`, the partner's `local_date`) is about is
    already done: the one home of this rule, for the send and for the pages."""
    if habit == NudgeHabit.MORNING_CHECKIN:
        return (user_id, local_date) in facts.checked_in
    couple_id = facts.couples.get(user_id)
    if habit == NudgeHabit.TODAYS_PROMPT and couple_id in facts.couple_zones:
        day = timezone.localdate(due_at, facts.couple_zones[couple_id])
        return (couple_id, day) in facts.prompts_finished
    if habit == NudgeHabit.WEEKLY_REVIEW and (plan := facts.plan(user_id)):
        week, _starts = plan.announced(due_at)
        return week in plan.done
    return False


def held_reason(
    *,
    user: User,
    prefs: NudgeSettings | None,
    rule: NudgeRule | None,
    habit: str,
    local_date: dt.date,
    due_at: dt.datetime,
    at: dt.datetime,
    facts: Facts,
) -> str | None:
    """Why a nudge of `habit` for `local_date`, due at `due_at`, would be held back if sent
    at `at`; None when it goes. The send asks at its moment; a page asks for a due time."""
    if prefs is None or rule is None or habit not in CATALOGUE:
        return Nudge.Held.OFF
    if user.pk not in facts.couples or not user.is_active:
        return Nudge.Held.NO_COUPLE
    local = at.astimezone(user.zone)
    if prefs.is_paused(local.date()):
        return Nudge.Held.PAUSED
    if not rule.is_on(local_date):
        return Nudge.Held.OFF
    if in_quiet_hours(local=local.time(), start=prefs.quiet_start, end=prefs.quiet_end):
        return Nudge.Held.QUIET
    if not (prefs.by_email or prefs.in_app):
        return Nudge.Held.NO_CHANNEL
    if already_done(
        user_id=user.pk, habit=habit, local_date=local_date, due_at=due_at, facts=facts
    ):
        return Nudge.Held.DONE
    if facts.sent_today[(user.pk, local_date)] >= prefs.daily_cap:
        return Nudge.Held.CAP
    if (
        rule.ignored_in_a_row >= BACK_OFF_AFTER
        and rule.last_sent_on is not None
        and (local_date - rule.last_sent_on).days < BACK_OFF_EVERY_DAYS
    ):
        return Nudge.Held.BACKING_OFF
    return None


# Reasons that hold every later nudge of a rule too: no use looking further.
_LASTING = {Nudge.Held.NO_COUPLE, Nudge.Held.NO_CHANNEL, Nudge.Held.OFF}
NO_RHYTHM = "no_rhythm"  # a review reminder of a couple with no rhythm: nothing to remind of


@dataclass
class Upcoming:
    """When a rule's next nudge really comes, and why not sooner, or why never."""

    next_at: dt.datetime | None = None
    # The first reason a nudge due sooner will be held back (a pause, done already...).
    skipped: str | None = None
    # Why none will come (within the next few weeks): a held reason or NO_RHYTHM.
    blocked: str | None = None
    reasons: set[str] = field(default_factory=set)


def upcoming(
    *,
    rule: NudgeRule,
    user: User,
    prefs: NudgeSettings,
    facts: Facts,
    now: dt.datetime,
    look: int = 40,
) -> Upcoming:
    """The next nudge of `rule` that the send-time rules let through, trying its due times
    one after another (at most `look` of them), as the dispatcher and the send will."""
    if user.pk not in facts.couples:
        return Upcoming(blocked=Nudge.Held.NO_COUPLE, reasons={Nudge.Held.NO_COUPLE})
    plan = facts.plan(user.pk)
    if rule.habit == NudgeHabit.WEEKLY_REVIEW and plan is None:
        return Upcoming(blocked=NO_RHYTHM, reasons={NO_RHYTHM})
    zone = user.time_zone
    due = rule.next_due_at
    if due is None or rule.habit == NudgeHabit.WEEKLY_REVIEW or rule.zone != zone:
        # Dormant, or about to be computed again by the minute's job: compute it here.
        on = rule.is_on(user.local_today())
        due = rule_due(rule=rule, zone=zone, after=now, review=plan) if on else None
    found = Upcoming()
    for _ in range(look):
        if due is None:
            break
        day = timezone.localdate(due, user.zone)
        reason = held_reason(
            user=user,
            prefs=prefs,
            rule=rule,
            habit=rule.habit,
            local_date=day,
            due_at=due,
            at=due,
            facts=facts,
        )
        if reason is None:
            found.next_at = due
            return found
        found.reasons.add(reason)
        if reason in _LASTING:
            found.blocked = reason if reason != Nudge.Held.OFF else found.skipped
            return found
        found.skipped = found.skipped or reason
        after = due
        if reason == Nudge.Held.PAUSED and prefs.paused_until:
            resume = dt.datetime.combine(
                prefs.paused_until + dt.timedelta(days=1), dt.time(), user.zone
            )
            after = max(due, resume - dt.timedelta(microseconds=1))
        due = rule_due(rule=rule, zone=zone, after=after, review=plan)
    found.blocked = found.skipped
    return found


def review_words(
    *, user: User, due_at: dt.datetime, now: dt.datetime, facts: Facts
) -> tuple[str, str] | None:
    """The review reminder's words: when the review is, and what is left to do for it."""
    plan = facts.plan(user.pk)
    if plan is None:
        return None
    week, starts = plan.announced(due_at)
    starts = starts.astimezone(user.zone)
    today = timezone.localdate(now, user.zone)
    when = (
        f"today at {starts:%H:%M}"
        if starts.date() <= today
        else f"tomorrow, {starts:%A}, at {starts:%H:%M}"
    )
    shared = {a for couple, w, a in facts.shared if (couple, w) == (plan.couple_id, week)}
    if len(shared) >= 2:
        left = (
            "You have both shared your answers. One thing left: choose next week's focus together."
        )
    elif user.pk in shared:
        left = (
            "You have shared your answers; both open together once your partner has shared theirs."
        )
    else:
        left = CATALOGUE[NudgeHabit.WEEKLY_REVIEW].message
    entry = CATALOGUE[NudgeHabit.WEEKLY_REVIEW]
    return (entry.title, f"Your weekly review is {when} your time. {left}")
