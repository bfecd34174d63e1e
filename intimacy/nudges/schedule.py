"""The schedule: a partner's rules set up with the catalogue's defaults, due times in each
partner's zone, and the minute's work that turns due rules into nudges. Every job here is safe
to run twice and on many workers at once: rules are claimed with SKIP LOCKED and a nudge is
written once per partner, habit and local date.

Sending is a layer above: the jobs that hand nudges on to be sent take an `enqueue` from their
caller (tasks.py passes send_nudges.delay) and call it only once their transaction commits."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from checkins.models import Review, Rhythm, RhythmMove
from intimacy.accounts.models import Couple, Membership, User

from .catalogue import CATALOGUE, NudgeHabit
from .models import MAX_ATTEMPTS, Nudge, NudgeRule, NudgeSettings

# Hands a batch of nudge ids on to be sent (tasks.send_nudges.delay in production).
Enqueue = Callable[[list[int]], None]


@dataclass
class ReviewPlan:
    """A couple's weekly review as its reminders see it: the rhythm, the weeks moved "this
    week only", and the weeks whose review is done (Review.is_done), which get no reminder."""

    couple_id: int
    rhythm: Rhythm
    moves: dict[dt.date, dt.datetime]
    done: set[dt.date]

    def start(self, week: dt.date) -> dt.datetime:
        return (self.moves.get(week) or self.rhythm.regular_start(week)).astimezone(dt.UTC)

    def next_reminder(self, after: dt.datetime) -> dt.datetime | None:
        """The next reminder after `after`: the day before the review at the same clock time
        (in the couple's zone, so a DST change between them moves nothing), and at its start;
        none for a review that is done."""
        candidates = []
        for weeks in range(4):
            week = self.rhythm.week_start(after) + dt.timedelta(weeks=weeks)
            if week in self.done:
                continue
            start = self.start(week).astimezone(self.rhythm.zone)
            eve = dt.datetime.combine(
                start.date() - dt.timedelta(days=1), start.time(), self.rhythm.zone
            )
            candidates += [eve.astimezone(dt.UTC), start.astimezone(dt.UTC)]
        return min((when for when in candidates if when > after), default=None)

    def announced(self, at: dt.datetime) -> tuple[dt.date, dt.datetime]:
        """The review a reminder due at `at` is about: the first to start at or after it."""
        week = self.rhythm.week_start(at) - dt.timedelta(weeks=1)
        while self.start(week) < at:
            week += dt.timedelta(weeks=1)
        return week, self.start(week)


def rule_due(
    *, rule: NudgeRule, zone: str, after: dt.datetime, review: ReviewPlan | None
) -> dt.datetime | None:
    if rule.habit == NudgeHabit.WEEKLY_REVIEW:
        return review.next_reminder(after) if review else None
    return rule.next_fire_at(after=after, zone=zone)


def review_plans(couple_ids: Iterable[int], *, now: dt.datetime) -> dict[int, ReviewPlan]:
    """The review plan of each couple that has a rhythm, by couple: three queries."""
    rhythms = {r.couple_id: r for r in Rhythm.objects.filter(couple_id__in=set(couple_ids))}
    if not rhythms:
        return {}
    moves: dict[int, dict[dt.date, dt.datetime]] = defaultdict(dict)
    for move in RhythmMove.objects.filter(couple_id__in=rhythms):
        moves[move.couple_id][move.week_start] = move.starts_at
    done: dict[int, set[dt.date]] = defaultdict(set)
    recent = (now - dt.timedelta(weeks=2)).date()
    for couple_id, week in (
        Review.objects.done()
        .filter(couple_id__in=rhythms, week_start__gte=recent)
        .values_list("couple_id", "week_start")
    ):
        done[couple_id].add(week)
    return {
        couple_id: ReviewPlan(couple_id, rhythm, moves[couple_id], done[couple_id])
        for couple_id, rhythm in rhythms.items()
    }


def _review_schedules(user_ids: Iterable[int], *, now: dt.datetime) -> dict[int, ReviewPlan]:
    """For each partner whose couple has a weekly review rhythm: its review plan."""
    members = dict(
        Membership.objects.filter(
            user_id__in=user_ids, is_active=True, couple__status=Couple.Status.ACTIVE
        ).values_list("user_id", "couple_id")
    )
    plans = review_plans(members.values(), now=now)
    return {user_id: plans[c] for user_id, c in members.items() if c in plans}


def reschedule(rules: list[NudgeRule], *, now: dt.datetime) -> None:
    """Compute next_due_at afresh for `rules` (their user loaded) and save them: the next
    time from now in the partner's zone, on a local date with no nudge of that habit yet
    (one a day), or nothing while switched off or not in a couple."""
    if not rules:
        return
    user_ids = {rule.user_id for rule in rules}
    paired = set(
        Membership.objects.filter(
            user_id__in=user_ids, is_active=True, couple__status=Couple.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )
    reviews = _review_schedules(user_ids, now=now)
    already = set(
        Nudge.objects.filter(
            user_id__in=user_ids,
            habit__in={rule.habit for rule in rules},
            due_at__gte=now - dt.timedelta(days=2),
        ).values_list("user_id", "habit", "local_date")
    )
    for rule in rules:
        zone = rule.user.time_zone
        tz = zoneinfo.ZoneInfo(zone)
        due = None
        if rule.user_id in paired and rule.is_on(timezone.localdate(now, tz)):
            due = rule_due(rule=rule, zone=zone, after=now, review=reviews.get(rule.user_id))
            while due and (rule.user_id, rule.habit, due.astimezone(tz).date()) in already:
                due = rule_due(rule=rule, zone=zone, after=due, review=reviews.get(rule.user_id))
        rule.zone, rule.computed_at, rule.next_due_at = zone, now, due
    NudgeRule.objects.bulk_update(rules, ["zone", "computed_at", "next_due_at"])


@transaction.atomic
def nudges_set_up(*, user: User, now: dt.datetime | None = None) -> NudgeSettings:
    """A partner's settings and one rule per habit with the catalogue's defaults. Idempotent:
    only what is missing is made (and scheduled); existing rules keep their due times."""
    prefs, _ = NudgeSettings.objects.get_or_create(user=user)
    have = set(user.nudge_rules.values_list("habit", flat=True))
    missing = [key for key in CATALOGUE if key not in have]
    if missing:
        NudgeRule.objects.bulk_create(
            [
                NudgeRule(
                    user=user,
                    habit=key,
                    local_time=CATALOGUE[key].default_time,
                    enabled=CATALOGUE[key].on_by_default,
                )
                for key in missing
            ],
            ignore_conflicts=True,
        )
        rules = list(user.nudge_rules.filter(habit__in=missing).select_related("user"))
        reschedule(rules, now=now or timezone.now())
    return prefs


def partners_adopt(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Schedules for partners of active couples: new pairs get the defaults, and schedules
    left dormant (no couple, or a changed time zone) are computed again."""
    now = now or timezone.now()
    active = Membership.objects.filter(is_active=True, couple__status=Couple.Status.ACTIVE)
    new = list(
        User.objects.filter(Exists(active.filter(user=OuterRef("pk"))))
        .filter(nudge_settings__isnull=True)
        .order_by("pk")[:limit]
    )
    for user in new:
        nudges_set_up(user=user, now=now)
    has_rhythm = Rhythm.objects.filter(
        couple__memberships__user=OuterRef("user"), couple__memberships__is_active=True
    )
    on = Q(enabled=True) | Q(focus_until__gte=(now - dt.timedelta(days=1)).date())
    # A review reminder needs a rhythm: without one it stays dormant, and is not looked at
    # again every minute.
    wakeable = ~Q(habit=NudgeHabit.WEEKLY_REVIEW) | Exists(has_rhythm)
    stale = list(
        NudgeRule.objects.filter(Exists(active.filter(user=OuterRef("user"))))
        .filter((Q(next_due_at__isnull=True) & on & wakeable) | ~Q(zone=F("user__time_zone")))
        .select_related("user")
        .order_by("pk")[:limit]
    )
    reschedule(stale, now=now)
    return len(new) + len(stale)


def reviews_refresh(*, now: dt.datetime | None = None) -> int:
    """Review reminders follow the couple's rhythm: when it changed (or a week was moved,
    which touches it), or a review was done, since a rule was computed, compute it again."""
    now = now or timezone.now()
    changed = Rhythm.objects.filter(
        couple__memberships__user=OuterRef("user"),
        couple__memberships__is_active=True,
        updated_at__gt=OuterRef("computed_at"),
    )
    done = Review.objects.done().filter(
        couple__memberships__user=OuterRef("user"),
        couple__memberships__is_active=True,
        # Recent weeks only: review_once_a_week's index reads two rows, not a history.
        week_start__gte=(now - dt.timedelta(weeks=2)).date(),
        focus_chosen_at__gt=OuterRef("computed_at"),
    )
    rules = list(
        NudgeRule.objects.filter(habit=NudgeHabit.WEEKLY_REVIEW, enabled=True)
        .filter(Exists(changed) | Exists(done))
        .select_related("user")
    )
    reschedule(rules, now=now)
    return len(rules)


def focus_apply(*, now: dt.datetime | None = None) -> int:
    """The habit a couple chose at its weekly review is on for both partners from the day of
    the choice for a week (Review.focus_ends_on, on each partner's calendar); a changed
    choice moves it."""
    now = now or timezone.now()
    recent = Review.objects.filter(
        focus_chosen_at__gte=now - dt.timedelta(days=7), focus_habit__in=list(CATALOGUE)
    )
    done_for = NudgeRule.objects.filter(
        user=OuterRef("user"),
        focus_review_id=OuterRef(OuterRef("pk")),
        habit=OuterRef(OuterRef("focus_habit")),
    )
    someone_left = Membership.objects.filter(couple=OuterRef("couple"), is_active=True).exclude(
        Exists(done_for)
    )
    # A week's focus belongs to the couple that chose it: it ends with that couple and never
    # follows a partner into a new one.
    ended = list(recent.filter(couple__status=Couple.Status.ENDED).values_list("pk", flat=True))
    if ended:
        gone = NudgeRule.objects.filter(focus_review_id__in=ended)
        gone.filter(enabled=False).update(next_due_at=None)
        gone.update(focus_until=None, focus_review_id=None)
    applied = 0
    for review in recent.filter(Exists(someone_left)):
        members = Membership.objects.filter(couple=review.couple_id, is_active=True)
        for user in User.objects.filter(pk__in=members.values("user")):
            nudges_set_up(user=user, now=now)
            # A focus chosen earlier for this review and then changed: that habit goes back.
            user.nudge_rules.filter(focus_review_id=review.pk).exclude(
                habit=review.focus_habit
            ).update(focus_until=None, focus_review_id=None)
            user.nudge_rules.filter(enabled=False, focus_until__isnull=True).update(
                next_due_at=None
            )
            rule = user.nudge_rules.select_related("user").get(habit=review.focus_habit)
            was_on = rule.is_on(user.local_today())
            rule.focus_until = review.focus_ends_on(user.zone)
            rule.focus_review_id = review.pk
            rule.save(update_fields=["focus_until", "focus_review_id"])
            if not was_on:
                reschedule([rule], now=now)
            applied += 1
    return applied


def _claim_sql() -> str:
    rule, user = NudgeRule._meta.db_table, User._meta.db_table
    membership, couple = Membership._meta.db_table, Couple._meta.db_table
    # SQLite has no row locks; its IMMEDIATE transactions let one writer in at a time.
    lock = "FOR UPDATE OF r SKIP LOCKED" if connection.vendor == "postgresql" else ""
    # Table names and choices come from our own models, never from input.
    return f"""
        SELECT r.id, r.user_id, r.habit, r.local_time, r.next_due_at, u.time_zone,
               r.enabled, r.focus_until,
               EXISTS (SELECT 1 FROM {membership} m JOIN {couple} c ON c.id = m.couple_id
                       WHERE m.user_id = r.user_id AND m.is_active
                         AND c.status = '{Couple.Status.ACTIVE}') AS paired
        FROM {rule} r JOIN {user} u ON u.id = r.user_id
        WHERE r.next_due_at IS NOT NULL AND r.next_due_at <= %s
        ORDER BY r.next_due_at
        LIMIT %s {lock}
    """  # noqa: S608


def rules_dispatch(
    *,
    enqueue: Enqueue,
    now: dt.datetime | None = None,
    batch: int = 1000,
    send_batch: int = 500,
) -> int:
    """Claim due rules in batches, write one nudge each, move each rule on, and enqueue the
    sends (ids only) once each batch is committed. Returns the number of nudges written."""
    now = now or timezone.now()
    total = 0
    while (
        written := _dispatch_batch(now=now, batch=batch, send_batch=send_batch, enqueue=enqueue)
    ) is not None:
        total += written
    return total


@transaction.atomic
def _dispatch_batch(
    *, now: dt.datetime, batch: int, send_batch: int, enqueue: Enqueue
) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [now, batch])
        rows = cursor.fetchall()
    if not rows:
        return None
    reviews = _review_schedules(
        {row[1] for row in rows if row[2] == NudgeHabit.WEEKLY_REVIEW}, now=now
    )
    nudges, moves = [], []
    for rule_id, user_id, habit, local_time, due, zone, enabled, focus_until, paired in rows:
        due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
        day = due.astimezone(zoneinfo.ZoneInfo(zone)).date()
        rule = NudgeRule(id=rule_id, habit=habit, local_time=local_time)
        # Never twice for one due time, and after an outage the missed times are skipped
        # rather than sent in a burst: the next due time is after now.
        next_due = rule_due(rule=rule, zone=zone, after=max(due, now), review=reviews.get(user_id))
        on = enabled or (focus_until is not None and day <= focus_until)
        if not (on and paired):
            next_due = None  # dormant until switched on or paired again (partners_adopt)
        elif habit != NudgeHabit.WEEKLY_REVIEW or reviews.get(user_id):
            nudges.append(
                Nudge(user_id=user_id, rule_id=rule_id, habit=habit, local_date=day, due_at=due)
            )
        moves.append((rule_id, next_due))
    ids = _insert_nudges(nudges)
    _move_rules(moves, now=now)
    for i in range(0, len(ids), send_batch):
        chunk = ids[i : i + send_batch]
        transaction.on_commit(lambda chunk=chunk: enqueue(chunk))
    return len(ids)


def _insert_nudges(nudges: list[Nudge]) -> list[int]:
    """Write the nudges (a second one for a partner, habit and date is dropped) and return
    the ids of those written. On PostgreSQL one INSERT … RETURNING for the batch."""
    if not nudges:
        return []
    if connection.vendor != "postgresql":
        Nudge.objects.bulk_create(nudges, ignore_conflicts=True, batch_size=500)
        return list(
            Nudge.objects.filter(
                rule_id__in=[n.rule_id for n in nudges],
                state=Nudge.State.PENDING,
                due_at__in={n.due_at for n in nudges},
            ).values_list("pk", flat=True)
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Nudge._meta.db_table} (user_id, rule_id, habit, local_date, due_at,
                    state, held, attempts, by_email, in_app, title, message, link)
                SELECT v.user_id, v.rule_id, v.habit, v.local_date, v.due_at, %s, '', 0,
                       false, false, '', '', ''
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[],
                            %s::timestamptz[]) AS v(user_id, rule_id, habit, local_date, due_at)
                ON CONFLICT DO NOTHING
                RETURNING id""",  # noqa: S608
            [
                Nudge.State.PENDING,
                [n.user_id for n in nudges],
                [n.rule_id for n in nudges],
                [n.habit for n in nudges],
                [n.local_date for n in nudges],
                [n.due_at for n in nudges],
            ],
        )
        return [row[0] for row in cursor.fetchall()]


def _move_rules(moves: list[tuple[int, dt.datetime | None]], *, now: dt.datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {NudgeRule._meta.db_table} r SET next_due_at = v.due, computed_at = %s
                    FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, due)
                    WHERE r.id = v.id""",  # noqa: S608
                [now, [m[0] for m in moves], [m[1] for m in moves]],
            )
        return
    rules = [NudgeRule(id=rule_id, next_due_at=due, computed_at=now) for rule_id, due in moves]
    NudgeRule.objects.bulk_update(rules, ["next_due_at", "computed_at"], batch_size=500)


@transaction.atomic
def nudges_sweep(*, enqueue: Enqueue, now: dt.datetime | None = None) -> int:
    """Send again what is stuck: pending nudges nobody took within a lease, and nudges left in
    sending past their lease (a worker died), enqueued once this transaction commits. A nudge
    out of attempts is marked failed."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.NUDGE_LEASE_SECONDS)
    stuck = Nudge.objects.filter(
        Q(state=Nudge.State.PENDING, due_at__lt=now - lease)
        | Q(state=Nudge.State.SENDING, lease_until__lt=now)
    )
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=Nudge.State.FAILED, lease_until=None, claimed_by=None
    )
    ids = list(
        stuck.filter(attempts__lt=MAX_ATTEMPTS)
        .order_by("due_at")
        .values_list("pk", flat=True)[:20_000]
    )
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        transaction.on_commit(lambda chunk=chunk: enqueue(chunk))
    return len(ids)
