"""The nudge schedule: setting it up, dispatching what is due, sending, sweeping.

Every job here is safe to run twice and on many workers at once: rules are claimed with
SKIP LOCKED, a nudge is written once per partner, habit and local date (a unique
constraint), and it is sent only by whoever moved it from pending to sending.
"""

import contextlib
import datetime as dt
import logging
import smtplib
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from checkins.models import CheckIn, Review, Rhythm, RhythmMove, Weather
from checkins.selectors import couple_today, dashboard_state, prompt_pace
from intimacy.accounts.models import Couple, Membership, User
from intimacy.lib.emails import templated_email
from prompts.models import Depth, PromptLog
from prompts.services import daily_prompt

from .catalogue import CATALOGUE, NudgeHabit
from .models import Nudge, NudgeRule, NudgeSettings, in_quiet_hours, next_local_time

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACK_OFF_AFTER = 3  # unopened nudges of one habit in a row
BACK_OFF_EVERY_DAYS = 3
OPEN_SALT = "nudges.open"
UNSUBSCRIBE_SALT = "nudges.unsubscribe"


# Setting up and changing a partner's schedule


def _review_due(*, rhythm: Rhythm, moves: dict[dt.date, dt.datetime], after: dt.datetime):  # noqa: ANN202
    """The next weekly-review reminder after `after`: the day before the review, or its start."""
    candidates = []
    for weeks in range(3):
        week = rhythm.week_start(after) + dt.timedelta(weeks=weeks)
        start = (moves.get(week) or rhythm.regular_start(week)).astimezone(dt.UTC)
        candidates += [start - dt.timedelta(days=1), start]
    return min((when for when in candidates if when > after), default=None)


def _due(
    *, rule: NudgeRule, zone: str, after: dt.datetime, review: Callable | None
) -> dt.datetime | None:
    if rule.habit == NudgeHabit.WEEKLY_REVIEW:
        return review(after) if review else None
    return next_local_time(after=after, at=rule.local_time, zone=zone)


def _review_schedules(
    user_ids: Iterable[int],
) -> dict[int, Callable[[dt.datetime], dt.datetime | None]]:
    """For each partner with a weekly review rhythm: when its next reminder is due."""
    members = Membership.objects.filter(
        user_id__in=user_ids, is_active=True, couple__status=Couple.Status.ACTIVE
    ).values_list("user_id", "couple_id")
    by_couple = defaultdict(list)
    for user_id, couple_id in members:
        by_couple[couple_id].append(user_id)
    rhythms = {r.couple_id: r for r in Rhythm.objects.filter(couple_id__in=by_couple)}
    moves: dict[int, dict[dt.date, dt.datetime]] = defaultdict(dict)
    for move in RhythmMove.objects.filter(couple_id__in=rhythms):
        moves[move.couple_id][move.week_start] = move.starts_at
    schedules = {}
    for couple_id, rhythm in rhythms.items():
        for user_id in by_couple[couple_id]:
            schedules[user_id] = lambda after, rhythm=rhythm, m=moves[couple_id]: _review_due(
                rhythm=rhythm, moves=m, after=after
            )
    return schedules


def _active_partner_ids(user_ids: Iterable[int]) -> set[int]:
    return set(
        Membership.objects.filter(
            user_id__in=user_ids, is_active=True, couple__status=Couple.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )


def _reschedule(rules: list[NudgeRule], *, now: dt.datetime) -> None:
    """Compute next_due_at again for `rules` (their user loaded), then save them."""
    user_ids = {rule.user_id for rule in rules}
    active = _active_partner_ids(user_ids)
    reviews = _review_schedules(user_ids)
    for rule in rules:
        zone = rule.user.time_zone
        on = rule.user_id in active and rule.is_on(timezone.localdate(now, zoneinfo.ZoneInfo(zone)))
        rule.zone = zone
        rule.computed_at = now
        rule.next_due_at = (
            _due(rule=rule, zone=zone, after=now, review=reviews.get(rule.user_id)) if on else None
        )
    NudgeRule.objects.bulk_update(rules, ["zone", "computed_at", "next_due_at"])


@transaction.atomic
def nudges_set_up(*, user: User, now: dt.datetime | None = None) -> NudgeSettings:
    """A partner's settings and one rule per habit, with the catalogue's defaults. Idempotent."""
    prefs, _ = NudgeSettings.objects.get_or_create(user=user)
    have = set(user.nudge_rules.values_list("habit", flat=True))
    NudgeRule.objects.bulk_create(
        [
            NudgeRule(
                user=user, habit=key, local_time=entry.default_time, enabled=entry.on_by_default
            )
            for key, entry in CATALOGUE.items()
            if key not in have
        ],
        ignore_conflicts=True,
    )
    _reschedule(list(user.nudge_rules.select_related("user")), now=now or timezone.now())
    return prefs


@dataclass
class RuleChoice:
    enabled: bool
    local_time: dt.time


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
        if (rule.enabled, rule.local_time) != (choice.enabled, choice.local_time):
            # A partner's own choice starts the back-off afresh.
            rule.ignored_in_a_row = 0
            rule.save(update_fields=["ignored_in_a_row"])
        rule.enabled, rule.local_time = choice.enabled, choice.local_time
        rule.save(update_fields=["enabled", "local_time"])
        changed.append(rule)
    _reschedule(changed, now=timezone.now())
    return prefs


def email_unsubscribe(*, user: User) -> None:
    """One-click unsubscribe: no more nudge emails (the in-app inbox stays as it was)."""
    nudges_set_up(user=user)
    NudgeSettings.objects.filter(user=user).update(by_email=False)


def unsubscribe_token(user: User) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def user_for_unsubscribe(token: str) -> User | None:
    try:
        user_id = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def open_token(nudge: Nudge) -> str:
    return signing.Signer(salt=OPEN_SALT).sign(str(nudge.pk))


def nudge_for_open(token: str) -> Nudge | None:
    try:
        nudge_id = int(signing.Signer(salt=OPEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Nudge.objects.filter(pk=nudge_id).first()


@transaction.atomic
def nudge_open(*, nudge: Nudge) -> None:
    """The partner followed a nudge's link: it was not ignored, so the back-off starts over."""
    if nudge.opened_at is None:
        Nudge.objects.filter(pk=nudge.pk, opened_at__isnull=True).update(opened_at=timezone.now())
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


# The minute's work: adopt new partners, apply the week's focus, dispatch what is due


def partners_adopt(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Give partners of active couples their nudge schedule: new pairs get the defaults, and
    schedules left dormant (no couple, or a profile's time zone changed) are computed again."""
    now = now or timezone.now()
    active = Membership.objects.filter(is_active=True, couple__status=Couple.Status.ACTIVE)
    new = list(
        User.objects.filter(Exists(active.filter(user=OuterRef("pk"))))
        .filter(nudge_settings__isnull=True)
        .order_by("pk")[:limit]
    )
    for user in new:
        nudges_set_up(user=user, now=now)
    stale = list(
        NudgeRule.objects.filter(Exists(active.filter(user=OuterRef("user"))))
        .filter(
            Q(next_due_at__isnull=True, enabled=True)
            | Q(next_due_at__isnull=True, focus_until__isnull=False)
            | ~Q(zone=F("user__time_zone"))
        )
        .select_related("user")
        .order_by("pk")[:limit]
    )
    # A focus habit already over stays dormant: it needs no computing every minute.
    stale = [
        r for r in stale if r.enabled or r.zone != r.user.time_zone or r.is_on(r.user.local_today())
    ]
    if stale:
        _reschedule(stale, now=now)
    return len(new) + len(stale)


def reviews_refresh(*, now: dt.datetime | None = None) -> int:
    """Weekly-review reminders follow the couple's rhythm: when it changed (or a week was
    moved, which touches it) since a rule was computed, compute it again."""
    now = now or timezone.now()
    changed_rhythm = Rhythm.objects.filter(
        couple__memberships__user=OuterRef("user"),
        couple__memberships__is_active=True,
        updated_at__gt=OuterRef("computed_at"),
    )
    rules = list(
        NudgeRule.objects.filter(habit=NudgeHabit.WEEKLY_REVIEW, enabled=True)
        .filter(Exists(changed_rhythm))
        .select_related("user")
    )
    if rules:
        _reschedule(rules, now=now)
    return len(rules)


def focus_apply(*, now: dt.datetime | None = None) -> int:
    """The habit a couple chose at its weekly review is switched on for both partners for
    the week that follows (until seven days after the choice, on each partner's calendar)."""
    now = now or timezone.now()
    reviews = Review.objects.filter(
        focus_chosen_at__gte=now - dt.timedelta(days=7), focus_habit__in=list(CATALOGUE)
    ).exclude(focus_habit="")
    applied = 0
    for review in reviews.exclude(
        # Done already for both partners.
        ~Exists(
            Membership.objects.filter(couple=OuterRef("couple"), is_active=True).exclude(
                Exists(
                    NudgeRule.objects.filter(
                        user=OuterRef("user"), focus_review_id=OuterRef(OuterRef("pk"))
                    )
                )
            )
        )
    ):
        partners = User.objects.filter(
            memberships__couple=review.couple_id, memberships__is_active=True
        )
        for user in partners:
            nudges_set_up(user=user, now=now)
            until = timezone.localdate(review.focus_chosen_at, user.zone) + dt.timedelta(days=7)
            rules = list(user.nudge_rules.filter(habit=review.focus_habit).select_related("user"))
            for rule in rules:
                rule.focus_until, rule.focus_review_id = until, review.pk
                rule.save(update_fields=["focus_until", "focus_review_id"])
            _reschedule(rules, now=now)
            applied += 1
    return applied


_CLAIM_SQL = None


def _claim_sql() -> str:
    global _CLAIM_SQL
    if _CLAIM_SQL is None:
        rule, user = NudgeRule._meta.db_table, User._meta.db_table
        # SQLite has no row locks; its IMMEDIATE transactions let one writer in at a time.
        lock = "FOR UPDATE OF r SKIP LOCKED" if connection.vendor == "postgresql" else ""
        membership, couple = Membership._meta.db_table, Couple._meta.db_table
        _CLAIM_SQL = f"""
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
    return _CLAIM_SQL


def rules_dispatch(
    *,
    now: dt.datetime | None = None,
    batch: int = 1000,
    send_batch: int = 500,
    enqueue: Callable[[list[int]], None] | None = None,
) -> int:
    """Claim due rules in batches, write one nudge each, move each rule on, and enqueue the
    sends (ids only) once each batch is committed. Returns the number of nudges written."""
    now = now or timezone.now()
    total = 0
    while True:
        written = _dispatch_batch(now=now, batch=batch, send_batch=send_batch, enqueue=enqueue)
        if written is None:
            return total
        total += written


@transaction.atomic
def _dispatch_batch(
    *, now: dt.datetime, batch: int, send_batch: int, enqueue: Callable | None
) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [now, batch])
        rows = cursor.fetchall()
    if not rows:
        return None
    reviews = _review_schedules({row[1] for row in rows if row[2] == NudgeHabit.WEEKLY_REVIEW})
    nudges, moves = [], []
    for rule_id, user_id, habit, local_time, due, zone, enabled, focus_until, paired in rows:
        due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
        tz = zoneinfo.ZoneInfo(zone)
        day = due.astimezone(tz).date()
        rule = NudgeRule(id=rule_id, habit=habit, local_time=local_time)
        # Never fire twice for one due time, and skip the missed ones after an outage:
        # the next due time is after now (and after this one).
        after = max(due, now)
        next_due = _due(rule=rule, zone=zone, after=after, review=reviews.get(user_id))
        on = enabled or (focus_until is not None and day <= focus_until)
        if not (on and paired):
            # Dormant until switched on again or paired again (partners_adopt wakes it).
            next_due = None
        elif habit != NudgeHabit.WEEKLY_REVIEW or reviews.get(user_id):
            nudges.append(
                Nudge(user_id=user_id, rule_id=rule_id, habit=habit, local_date=day, due_at=due)
            )
        moves.append((rule_id, next_due))
    ids = _insert_nudges(nudges)
    _move_rules(moves, now=now)
    chunks = [ids[i : i + send_batch] for i in range(0, len(ids), send_batch)]
    if enqueue is None:
        from .tasks import send_nudges

        enqueue = send_nudges.delay
    for chunk in chunks:
        transaction.on_commit(lambda chunk=chunk: enqueue(chunk))
    return len(ids)


def _insert_nudges(nudges: list[Nudge]) -> list[int]:
    """Write the nudges (one per partner, habit and local date: a second is dropped) and
    return the ids of those written. On PostgreSQL one INSERT … RETURNING for the batch."""
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
    table = Nudge._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (user_id, rule_id, habit, local_date, due_at, state, held,
                    attempts, by_email, in_app, title, message, link)
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
    if not moves:
        return
    table = NudgeRule._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} r SET next_due_at = v.due, computed_at = %s
                    FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, due)
                    WHERE r.id = v.id""",  # noqa: S608
                [now, [m[0] for m in moves], [m[1] for m in moves]],
            )
        return
    rules = [NudgeRule(id=rule_id, next_due_at=due, computed_at=now) for rule_id, due in moves]
    NudgeRule.objects.bulk_update(rules, ["next_due_at", "computed_at"], batch_size=500)


def nudges_sweep(*, now: dt.datetime | None = None, enqueue: Callable | None = None) -> int:
    """Send again what is stuck: pending nudges nobody took within a lease, and nudges left
    in sending past their lease (a worker died). Their send is idempotent by state."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.NUDGE_LEASE_SECONDS)
    ids = list(
        Nudge.objects.filter(
            Q(state=Nudge.State.PENDING, due_at__lt=now - lease)
            | Q(state=Nudge.State.SENDING, lease_until__lt=now)
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:20_000]
    )
    if enqueue is None:
        from .tasks import send_nudges

        enqueue = send_nudges.delay
    for i in range(0, len(ids), 200):
        enqueue(ids[i : i + 200])
    return len(ids)


# Sending


@dataclass
class Sent:
    sent: int = 0
    held: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)


def _claim(ids: list[int], now: dt.datetime) -> list[int]:
    lease = now + dt.timedelta(seconds=settings.NUDGE_LEASE_SECONDS)
    with transaction.atomic():
        claimed = list(
            Nudge.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids)
            .filter(
                Q(state=Nudge.State.PENDING) | Q(state=Nudge.State.SENDING, lease_until__lt=now)
            )
            .values_list("pk", flat=True)
        )
        Nudge.objects.filter(pk__in=claimed).update(
            state=Nudge.State.SENDING, lease_until=lease, attempts=F("attempts") + 1
        )
    return claimed


@dataclass
class _Facts:
    """What the send-time rules need about a batch, in a fixed number of queries."""

    couples: dict[int, int]
    checked_in: set[tuple[int, dt.date]]
    sent_today: Counter


def _facts(nudges: list[Nudge]) -> _Facts:
    users = {n.user_id for n in nudges}
    days = {n.local_date for n in nudges}
    couples = dict(
        Membership.objects.filter(
            user_id__in=users, is_active=True, couple__status=Couple.Status.ACTIVE
        ).values_list("user_id", "couple_id")
    )
    checkin_users = {n.user_id for n in nudges if n.habit == NudgeHabit.MORNING_CHECKIN}
    checked_in = set(
        CheckIn.objects.filter(author_id__in=checkin_users, local_date__in=days).values_list(
            "author_id", "local_date"
        )
    )
    sent_today = Counter(
        Nudge.objects.filter(
            user_id__in=users, local_date__in=days, state=Nudge.State.SENT
        ).values_list("user_id", "local_date")
    )
    return _Facts(couples, checked_in, sent_today)


def _held_reason(nudge: Nudge, facts: _Facts, now: dt.datetime) -> str | None:
    user = nudge.user
    prefs = getattr(user, "nudge_settings", None)
    rule = nudge.rule
    if prefs is None or rule is None:
        return Nudge.Held.OFF
    if nudge.user_id not in facts.couples or not user.is_active:
        return Nudge.Held.NO_COUPLE
    local_now = now.astimezone(user.zone)
    if prefs.is_paused(local_now.date()):
        return Nudge.Held.PAUSED
    if not rule.is_on(nudge.local_date):
        return Nudge.Held.OFF
    if in_quiet_hours(local=local_now.time(), start=prefs.quiet_start, end=prefs.quiet_end):
        return Nudge.Held.QUIET
    if not (prefs.by_email or prefs.in_app):
        return Nudge.Held.NO_CHANNEL
    if nudge.habit == NudgeHabit.MORNING_CHECKIN and (
        (nudge.user_id, nudge.local_date) in facts.checked_in
    ):
        return Nudge.Held.DONE
    if facts.sent_today[(nudge.user_id, nudge.local_date)] >= prefs.daily_cap:
        return Nudge.Held.CAP
    if (
        rule.ignored_in_a_row >= BACK_OFF_AFTER
        and rule.last_sent_on is not None
        and (nudge.local_date - rule.last_sent_on).days < BACK_OFF_EVERY_DAYS
    ):
        return Nudge.Held.BACKING_OFF
    return None


def _prompt_words(nudge: Nudge) -> tuple[str, str] | None:
    """Today's prompt for the nudge, or None when the couple already did or skipped it.

    Don't poke the storm: when either partner's latest weather is stormy, a prompt not chosen
    yet is chosen light, and a deeper one already chosen gives way to a gentle suggestion.
    """
    state = dashboard_state(user=nudge.user)
    if state.couple is None:
        return None
    since = nudge.local_date - dt.timedelta(days=1)
    stormy = CheckIn.objects.filter(
        author__in=state.people, local_date__gte=since, weather=Weather.STORMY
    ).exists()
    daily = daily_prompt(
        couple=state.couple,
        day=couple_today(state=state),
        max_depth=lambda: (
            Depth.LIGHT if stormy else prompt_pace(couple=state.couple, people=state.people)
        ),
    )
    if daily is not None and daily.state in (PromptLog.State.DONE, PromptLog.State.SKIPPED):
        return None
    if stormy and (daily is None or daily.prompt.depth != Depth.LIGHT):
        return (
            "Something gentle for today",
            "Today, go gently: ask your partner what would help right now, and listen "
            "without fixing anything.",
        )
    if daily is None:
        return (
            "Nothing new today",
            "You have met every prompt in your sets: a good day to choose another set together.",
        )
    return (CATALOGUE[nudge.habit].title, f"Today's prompt: {daily.prompt.text}")


def _review_words(nudge: Nudge) -> tuple[str, str] | None:
    rhythm = Rhythm.objects.filter(
        couple__memberships__user=nudge.user_id, couple__memberships__is_active=True
    ).first()
    if rhythm is None:
        return None
    moves = {m.week_start: m.starts_at for m in RhythmMove.objects.filter(couple=rhythm.couple_id)}
    starts = rhythm.next_start(moves).astimezone(nudge.user.zone)
    when = f"{starts:%H:%M} your time"
    if starts.date() > timezone.localdate(timezone.now(), nudge.user.zone):
        when = f"tomorrow, {starts:%A}, at {when}"
    else:
        when = f"today at {when}"
    entry = CATALOGUE[nudge.habit]
    return (entry.title, f"Your weekly review is {when}. {entry.message}")


def _words(nudge: Nudge) -> tuple[str, str] | None:
    """What the nudge says, or None when there is nothing to say (done already)."""
    if nudge.habit == NudgeHabit.TODAYS_PROMPT:
        return _prompt_words(nudge)
    if nudge.habit == NudgeHabit.WEEKLY_REVIEW:
        return _review_words(nudge)
    entry = CATALOGUE[nudge.habit]
    return (entry.title, entry.message)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _email(nudge: Nudge, title: str, message: str):  # noqa: ANN202
    unsubscribe = _absolute(reverse("nudges:unsubscribe", args=[unsubscribe_token(nudge.user)]))
    return templated_email(
        "nudge",
        to=nudge.user.email,
        context={
            "name": nudge.user.display_name,
            "title": title,
            "message": message,
            "link": _absolute(reverse("nudges:open", args=[open_token(nudge)])),
            "preferences": _absolute(reverse("nudges:preferences")),
            "unsubscribe": unsubscribe,
        },
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def nudges_send(*, ids: list[int], now: dt.datetime | None = None) -> Sent:
    """Send the nudges among `ids` that are still to send, by email and in the app.

    Whoever claims a nudge (pending, or sending past its lease) sends it; everyone else
    leaves it alone. The send-time rules may hold a nudge back instead, with the reason.
    """
    now = now or timezone.now()
    claimed = _claim(ids, now)
    if not claimed:
        return Sent()
    nudges = list(
        Nudge.objects.filter(pk__in=claimed).select_related("user", "user__nudge_settings", "rule")
    )
    facts = _facts(nudges)
    outcome = Sent()
    held: dict[str, list[int]] = defaultdict(list)
    ready: list[tuple[Nudge, str, str]] = []
    for nudge in nudges:
        reason = _held_reason(nudge, facts, now)
        words = None
        if reason is None:
            words = _words(nudge)
            if words is None:
                reason = Nudge.Held.DONE
        if reason is not None:
            held[reason].append(nudge.pk)
            continue
        facts.sent_today[(nudge.user_id, nudge.local_date)] += 1
        ready.append((nudge, *words))
    for reason, pks in held.items():
        Nudge.objects.filter(pk__in=pks).update(
            state=Nudge.State.HELD, held=reason, lease_until=None
        )
        outcome.held += len(pks)

    sent, failed = _deliver(ready)
    _mark_sent(sent, ready, now=now)
    outcome.sent = len(sent)
    give_up = [n.pk for n, *_ in ready if n.pk in failed and n.attempts >= MAX_ATTEMPTS]
    retry = [n.pk for n, *_ in ready if n.pk in failed and n.pk not in give_up]
    Nudge.objects.filter(pk__in=give_up).update(state=Nudge.State.FAILED, lease_until=None)
    Nudge.objects.filter(pk__in=retry).update(state=Nudge.State.PENDING, lease_until=None)
    outcome.failed, outcome.retry = len(give_up), retry
    return outcome


def _deliver(ready: list[tuple[Nudge, str, str]]) -> tuple[set[int], set[int]]:
    """Email what goes by email, over one connection; the in-app ones need no delivery."""
    sent, failed = set(), set()
    emails = [(n, t, m) for n, t, m in ready if n.user.nudge_settings.by_email]
    sent |= {n.pk for n, *_ in ready if not n.user.nudge_settings.by_email}
    if not emails:
        return sent, failed
    mail = get_connection()
    try:
        mail.open()
        for nudge, title, message in emails:
            try:
                mail.send_messages([_email(nudge, title, message)])
                sent.add(nudge.pk)
            except (smtplib.SMTPException, OSError) as exc:
                log.warning("Nudge %s not sent (%s); will retry.", nudge.pk, type(exc).__name__)
                failed.add(nudge.pk)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning(
            "Mail server unreachable (%s); %d nudges will retry.", type(exc).__name__, len(emails)
        )
        failed |= {n.pk for n, *_ in emails} - sent
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            mail.close()
    return sent, failed


def _mark_sent(sent: set[int], ready: list[tuple[Nudge, str, str]], *, now: dt.datetime) -> None:
    if not sent:
        return
    done = [(n, t, m) for n, t, m in ready if n.pk in sent]
    # One UPDATE per distinct content (nudges of one habit mostly say the same), not a
    # CASE per row: the sending hot path.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for nudge, title, message in done:
        prefs = nudge.user.nudge_settings
        nudge.in_app = prefs.in_app
        key = (
            prefs.by_email,
            prefs.in_app,
            title[:120],
            message[:400],
            CATALOGUE[nudge.habit].opens,
        )
        groups[key].append(nudge.pk)
    for (by_email, in_app, title, message, opens), pks in groups.items():
        Nudge.objects.filter(pk__in=pks).update(
            state=Nudge.State.SENT,
            sent_at=now,
            lease_until=None,
            by_email=by_email,
            in_app=in_app,
            title=title,
            message=message,
            link=reverse(opens),
        )
    # The back-off counts sends since the last open; the unread count grows by the in-app ones.
    by_day = defaultdict(list)
    for nudge, *_ in done:
        by_day[nudge.local_date].append(nudge.rule_id)
    for day, rule_ids in by_day.items():
        NudgeRule.objects.filter(pk__in=rule_ids).update(
            ignored_in_a_row=F("ignored_in_a_row") + 1, last_sent_on=day
        )
    unread = Counter(n.user_id for n, *_ in done if n.in_app)
    by_count = defaultdict(list)
    for user_id, count in unread.items():
        by_count[count].append(user_id)
    for count, user_ids in by_count.items():
        User.objects.filter(pk__in=user_ids).update(unread_nudges=F("unread_nudges") + count)
