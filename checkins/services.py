"""Check-ins and reactions: the writes, and the one rule about who sees what."""

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TypedDict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from intimacy.accounts.models import Couple, User
from intimacy.lib.dates import day_end

from .models import (
    CalendarFeed,
    CheckIn,
    Disclosure,
    Need,
    ParkedTopic,
    Reaction,
    Review,
    ReviewAnswer,
    Rhythm,
    RhythmMove,
    Tag,
    Weather,
)


class CheckInError(Exception):
    """An action the rules do not allow; the message is shown to the user."""


class ReviewError(Exception):
    """A weekly-review action the rules do not allow; the message is shown to the user."""


@dataclass(frozen=True)
class SharedCheckIn:
    """What a partner may see of someone else's check-in: never the private note."""

    id: int
    local_date: dt.date
    weather: str
    weather_label: str
    energy: int | None
    needs: tuple[str, ...] | None
    tags: tuple[str, ...] | None
    note_to_partner: str | None
    disclosure: str


def _labels(values: list[str], choices: type[Need] | type[Tag]) -> tuple[str, ...]:
    known = dict(choices.choices)
    return tuple(known[v] for v in values if v in known)


def shared_view(*, checkin: CheckIn) -> SharedCheckIn:
    """The partner's view of `checkin`, cut to the disclosure level its author chose."""
    level = checkin.disclosure
    return SharedCheckIn(
        id=checkin.pk,
        local_date=checkin.local_date,
        weather=checkin.weather,
        weather_label=Weather(checkin.weather).label,
        energy=checkin.energy if level != Disclosure.WEATHER else None,
        needs=_labels(checkin.needs, Need) if level in (Disclosure.NEEDS, Disclosure.ALL) else None,
        tags=_labels(checkin.tags, Tag) if level == Disclosure.ALL else None,
        note_to_partner=(checkin.note_to_partner or None) if level == Disclosure.ALL else None,
        disclosure=level,
    )


def is_revealed(*, checkin: CheckIn, viewer_has_current: bool) -> bool:
    """Nobody goes first: a partner's check-in whose day is still going shows only to someone
    whose own check-in's day is still going too. Past days are history, open to both."""
    return not checkin.is_current() or viewer_has_current


# Who may read what a partner wrote for a couple (check-ins shared with it, weekly-review
# answers, parked topics): the one rule, as a test on one entry and as a query filter. Its
# author always; the other partner only while that couple is the viewer's current one. When a
# couple ends, each keeps their own entries and nothing of the other's, not even what both were
# shown before: what was shared inside the couple was shared with a partner, not with an
# archive. Pages then apply their own reveal rule on top (nobody goes first; answers once both
# have shared).


def may_read(
    *, viewer: User, author_id: int | None, couple_id: int | None, current: Couple | None
) -> bool:
    """Whether `viewer` may read an entry by `author_id` written for `couple_id`."""
    if author_id == viewer.pk:
        return True
    return current is not None and couple_id is not None and couple_id == current.pk


def readable(*, viewer: User, current: Couple | None, couple: str = "couple") -> Q:
    """may_read() as a filter for a model with an `author` and a couple at `couple`."""
    own = Q(author=viewer)
    return own | Q(**{couple: current}) if current is not None else own


def answer_readable(
    *, viewer: User, answer: ReviewAnswer, review: Review, current: Couple | None
) -> bool:
    """A weekly-review answer: mine always; my partner's once both have shared, and only
    while the couple lasts."""
    if answer.author_id == viewer.pk:
        return True
    readable_now = may_read(
        viewer=viewer, author_id=answer.author_id, couple_id=review.couple_id, current=current
    )
    return readable_now and review.revealed_at is not None


def readable_answers(*, viewer: User, current: Couple | None) -> Q:
    """answer_readable() as a filter on ReviewAnswer."""
    return readable(viewer=viewer, current=current, couple="review__couple") & (
        Q(author=viewer) | Q(review__revealed_at__isnull=False)
    )


def has_current_checkin(*, user: User, couple: Couple | None) -> bool:
    """Whether `user` has a check-in, shared with `couple`, whose day is still going."""
    if couple is None:
        return False
    return CheckIn.objects.filter(
        author=user, couple=couple, day_ends_at__gt=timezone.now()
    ).exists()


@transaction.atomic
def checkin_submit(
    *,
    author: User,
    weather: str,
    energy: int,
    needs: list[str],
    tags: list[str],
    note_to_partner: str,
    private_note: str,
    disclosure: str,
) -> CheckIn:
    """Record or update today's check-in, today being the author's own local day.

    It is shared with the author's couple once paired (never with a partner who joins later).
    One statement inserts or updates, so two tabs submitting at once never make two rows; a
    day that has ended cannot be changed, even after a change of time zone.
    """
    now = timezone.now()
    local_date = author.local_today()
    existing = CheckIn.objects.filter(author=author, local_date=local_date).first()
    if existing is not None and not existing.is_current(now):
        raise CheckInError("You already checked in for this date, and that day has ended.")
    couple = Couple.objects.for_user(author).filter(status=Couple.Status.ACTIVE).first()
    fields = {
        "couple": couple,
        "weather": weather,
        "energy": energy,
        "needs": needs,
        "tags": tags,
        "note_to_partner": note_to_partner,
        "private_note": private_note,
        "disclosure": disclosure,
        "updated_at": now,
    }
    day_ends_at = day_end(author.time_zone, local_date)
    CheckIn.objects.bulk_create(
        [
            CheckIn(
                author=author,
                local_date=local_date,
                day_ends_at=day_ends_at,
                created_at=now,
                **fields,
            )
        ],
        update_conflicts=True,
        unique_fields=["author", "local_date"],
        update_fields=list(fields),
    )
    return CheckIn.objects.get(author=author, local_date=local_date)


@transaction.atomic
def reaction_set(*, checkin: CheckIn, author: User, kind: str) -> Reaction:
    """Answer the partner's check-in with one tap; tapping again changes the answer."""
    if checkin.author_id == author.pk:
        raise CheckInError("You can react to your partner's check-in, not your own.")
    reaction, _ = Reaction.objects.update_or_create(
        checkin=checkin, author=author, defaults={"kind": kind, "created_at": timezone.now()}
    )
    return reaction


def reaction_undo(*, checkin: CheckIn, author: User) -> None:
    Reaction.objects.filter(checkin=checkin, author=author).delete()


# Weekly review


def rhythm_set(
    *, couple: Couple, weekday: int, local_time: dt.time, duration_minutes: int, time_zone: str
) -> Rhythm:
    """Set the couple's weekly rhythm (either partner may)."""
    rhythm, _ = Rhythm.objects.update_or_create(
        couple=couple,
        defaults={
            "weekday": weekday,
            "local_time": local_time,
            "duration_minutes": duration_minutes,
            "time_zone": time_zone,
            "updated_at": timezone.now(),
        },
    )
    return rhythm


@transaction.atomic
def review_move(*, couple: Couple, week_start: dt.date, starts_at: dt.datetime | None) -> None:
    """Move one week's review (None puts it back where the rhythm has it)."""
    # Schedules built on the rhythm (the review reminders) look again when it changes.
    Rhythm.objects.filter(couple=couple).update(updated_at=timezone.now())
    if starts_at is None:
        RhythmMove.objects.filter(couple=couple, week_start=week_start).delete()
        return
    RhythmMove.objects.update_or_create(
        couple=couple, week_start=week_start, defaults={"starts_at": starts_at}
    )


def review_for_week(*, couple: Couple, week_start: dt.date) -> Review:
    review, _ = Review.objects.get_or_create(couple=couple, week_start=week_start)
    return review


class AnswerFields(TypedDict, total=False):
    """What a partner may write in a weekly review; a draft may hold any part of it."""

    appreciations: str
    went_well: str
    hard_moment: str
    unspoken_need: str
    feel_loved: str
    more_time: list[str]
    repair: str
    repair_what: str
    felt_emotional: int | None
    wished_emotional: int | None
    felt_physical: int | None
    wished_physical: int | None
    felt_intellectual: int | None
    wished_intellectual: int | None
    felt_digital: int | None
    wished_digital: int | None


@transaction.atomic
def answer_save(
    *, review: Review, author: User, fields: AnswerFields, submit: bool
) -> ReviewAnswer:
    """Save my answers as a draft, or submit them; the second submission reveals both.

    A submitted answer is locked for that week: saving again changes nothing.
    """
    review = Review.objects.select_for_update().get(pk=review.pk)
    answer, _ = ReviewAnswer.objects.get_or_create(review=review, author=author)
    if answer.submitted_at is not None:
        raise ReviewError("Your answers for this week are already shared.")
    for name, value in fields.items():
        setattr(answer, name, value)
    now = timezone.now()
    answer.updated_at = now
    if submit:
        answer.submitted_at = now
    answer.save()
    if submit and review.answers.filter(submitted_at__isnull=False).count() == 2:
        review.revealed_at = now
        review.save(update_fields=["revealed_at"])
    return answer


@transaction.atomic
def review_choose_focus(*, review: Review, habit: str) -> None:
    """After the reveal, the couple picks next week's micro-habit (either may change it)."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.revealed_at is None:
        raise ReviewError("Pick a focus once you have both shared your answers.")
    review.focus_habit = habit
    review.focus_chosen_at = timezone.now()
    review.save(update_fields=["focus_habit", "focus_chosen_at"])


def topic_park(*, couple: Couple, author: User, text: str) -> ParkedTopic:
    return ParkedTopic.objects.create(couple=couple, author=author, text=text)


def topic_talked(*, topic: ParkedTopic, talked: bool) -> None:
    topic.talked_at = timezone.now() if talked else None
    topic.save(update_fields=["talked_at"])


def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address for my calendar feed; the old one stops working at once."""
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(24), "created_at": timezone.now()}
    )
    return feed


def calendar_feed_revoke(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()
