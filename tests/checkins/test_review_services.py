import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from checkins import services
from checkins.models import Review, ReviewAnswer, RhythmMove
from tests.factories import FULL, UserFactory, at, make_couple, rhythm_for

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def test_the_week_is_the_couples_not_each_partners():
    kiwi = UserFactory(time_zone="Pacific/Auckland")
    islander = UserFactory(time_zone="Pacific/Honolulu")
    couple = make_couple(kiwi, islander)
    rhythm = rhythm_for(couple, time_zone="Pacific/Auckland")
    # Monday 00:30 in Auckland is still Sunday in Honolulu: the couple's week has turned.
    with at(2026, 11, 22, 11, 30):
        assert islander.local_today().weekday() == 6  # Sunday 22 November in Honolulu.
        assert rhythm.week_start() == dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("week", "local_time", "expected_utc"),
    [
        # An ordinary Sunday in winter (GMT) and in summer (BST).
        (dt.date(2026, 3, 16), dt.time(19), dt.datetime(2026, 3, 22, 19, tzinfo=dt.UTC)),
        (dt.date(2026, 3, 23), dt.time(19), dt.datetime(2026, 3, 29, 18, tzinfo=dt.UTC)),
        # 01:30 does not exist on 29 March 2026 in London: it moves on by the hour to 02:30 BST.
        (dt.date(2026, 3, 23), dt.time(1, 30), dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)),
        # 01:30 happens twice on 25 October 2026: the first time, still BST.
        (dt.date(2026, 10, 19), dt.time(1, 30), dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)),
    ],
)
def test_regular_start_across_dst(couple, week, local_time, expected_utc):
    rhythm = rhythm_for(couple, local_time=local_time)
    # Compared in UTC: a time in the repeated hour never equals one of another zone (PEP 495).
    assert rhythm.regular_start(week).astimezone(dt.UTC) == expected_utc


def test_moving_one_week_keeps_the_rhythm(couple):
    rhythm = rhythm_for(couple)
    week = dt.date(2026, 11, 16)
    moved_to = dt.datetime(2026, 11, 21, 10, tzinfo=LONDON)
    services.review_move(couple=couple, week_start=week, starts_at=moved_to)
    moves = dict(RhythmMove.objects.values_list("week_start", "starts_at"))

    wednesday = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
    assert rhythm.next_start(moves, now=wednesday) == moved_to
    # Once the moved review is over, the next is the usual Sunday of the following week.
    sunday = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    assert rhythm.next_start(moves, now=sunday) == dt.datetime(2026, 11, 29, 19, tzinfo=LONDON)
    services.review_move(couple=couple, week_start=week, starts_at=None)
    assert not RhythmMove.objects.exists()


def test_one_review_per_couple_per_week(couple):
    services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    assert services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16)).pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(couple=couple, week_start=dt.date(2026, 11, 16))


def test_answers_reveal_only_when_both_have_submitted(couple, alice, bob):
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    services.answer_save(review=review, author=alice, fields=FULL, submit=True)
    services.answer_save(review=review, author=bob, fields={"went_well": "draft"}, submit=False)
    review.refresh_from_db()
    assert review.revealed_at is None

    services.answer_save(review=review, author=bob, fields=FULL, submit=True)
    review.refresh_from_db()
    assert review.revealed_at is not None


def test_a_submitted_answer_is_locked(couple, alice):
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    services.answer_save(review=review, author=alice, fields=FULL, submit=True)
    with pytest.raises(services.ReviewError):
        services.answer_save(review=review, author=alice, fields={"went_well": "x"}, submit=False)
    assert ReviewAnswer.objects.get(author=alice).went_well == "Saturday walk"


def test_focus_only_after_the_reveal(couple, alice, bob):
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    with pytest.raises(services.ReviewError):
        services.review_choose_focus(review=review, habit="slow_hug")
    for person in (alice, bob):
        services.answer_save(review=review, author=person, fields=FULL, submit=True)
    services.review_choose_focus(review=review, habit="slow_hug")
    review.refresh_from_db()
    assert review.focus_habit == "slow_hug"


def test_gap_is_wished_minus_felt(couple, alice):
    review = services.review_for_week(couple=couple, week_start=dt.date(2026, 11, 16))
    answer = services.answer_save(
        review=review,
        author=alice,
        fields={**FULL, "felt_digital": 4, "wished_digital": 2},
        submit=False,
    )
    assert answer.gap("emotional") == 2
    assert answer.gap("digital") == -2


def test_next_review_rolls_over_after_this_weeks(couple):
    rhythm = rhythm_for(couple)
    # Sunday 18:00 in London: today's review is still ahead.
    assert rhythm.next_start({}, now=dt.datetime(2026, 11, 22, 18, tzinfo=dt.UTC)) == (
        dt.datetime(2026, 11, 22, 19, tzinfo=LONDON)
    )
    # Over: next Sunday's.
    assert rhythm.next_start({}, now=dt.datetime(2026, 11, 22, 19, 45, tzinfo=dt.UTC)) == (
        dt.datetime(2026, 11, 29, 19, tzinfo=LONDON)
    )
