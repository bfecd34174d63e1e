"""The micro-habits a partner can be nudged about: when by default, what we say, where it leads.

The weekly review's habits (checkins.models.Habit) plus today's prompt. Our own words: short,
warm, no guilt.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models

from checkins.models import Habit


class NudgeHabit(models.TextChoices):
    MORNING_CHECKIN = Habit.MORNING_CHECKIN.value, "Morning check-in"
    TODAYS_PROMPT = "todays_prompt", "Today's prompt"
    EVENING_GRATITUDE = Habit.EVENING_GRATITUDE.value, "Evening gratitude"
    DEVICE_FREE_TALK = Habit.DEVICE_FREE_TALK.value, "Ten device-free minutes"
    SLOW_HUG = Habit.SLOW_HUG.value, "A slow hug"
    PLAYFUL_TOUCH = Habit.PLAYFUL_TOUCH.value, "Playful touch"
    MICRO_REPAIR = Habit.MICRO_REPAIR.value, "A quick micro-repair"
    SOMETHING_NEW = Habit.SOMETHING_NEW.value, "Something new together"
    WEEKLY_REVIEW = Habit.WEEKLY_REVIEW.value, "Weekly review reminder"


@dataclass(frozen=True)
class Entry:
    habit: NudgeHabit
    default_time: dt.time
    on_by_default: bool
    # What the nudge says (the subject line, then one or two sentences).
    title: str
    message: str
    # The page the nudge opens: a URL name.
    opens: str
    # Shown on the preferences page.
    about: str


CATALOGUE: dict[str, Entry] = {
    entry.habit.value: entry
    for entry in [
        Entry(
            NudgeHabit.MORNING_CHECKIN,
            dt.time(8, 30),
            True,
            "What's your weather today?",
            "Ten seconds: pick a weather and an energy level, and your partner knows how "
            "to meet you today.",
            "checkins:today",
            "A reminder to record your emotional weather. Not sent once you have checked in.",
        ),
        Entry(
            NudgeHabit.TODAYS_PROMPT,
            dt.time(18, 0),
            True,
            "Today's prompt is waiting for you both",
            "One small question or activity for the two of you, whenever suits you this evening.",
            "dashboard",
            "Today's shared prompt. Not sent once you have done or skipped it.",
        ),
        Entry(
            NudgeHabit.EVENING_GRATITUDE,
            dt.time(21, 0),
            False,
            "One thing you were glad of today",
            "Before the day ends, tell your partner one thing they did that you appreciated. "
            "Small is perfect.",
            "dashboard",
            "A reminder to say thank you for something small.",
        ),
        Entry(
            NudgeHabit.DEVICE_FREE_TALK,
            dt.time(19, 30),
            False,
            "Ten minutes, phones away",
            "Put both phones in another room and talk for ten minutes. About anything at all.",
            "dashboard",
            "Ten minutes of talking with the screens put away.",
        ),
        Entry(
            NudgeHabit.SLOW_HUG,
            dt.time(7, 45),
            False,
            "Time for a slow hug",
            "Hold each other a little longer than usual: twenty seconds, no hurry.",
            "dashboard",
            "A hug that lasts long enough to feel it.",
        ),
        Entry(
            NudgeHabit.PLAYFUL_TOUCH,
            dt.time(12, 30),
            False,
            "One playful moment today",
            "A hand on a shoulder, a silly message, an inside joke: one playful moment today.",
            "dashboard",
            "A small playful moment in the middle of the day.",
        ),
        Entry(
            NudgeHabit.MICRO_REPAIR,
            dt.time(20, 30),
            False,
            "Anything to smooth over from today?",
            "If something stung today, a short \u201cI'm sorry that came out sharp\u201d goes a "
            "long way. If nothing did, enjoy the evening.",
            "dashboard",
            "A moment to mend a small slight before it grows.",
        ),
        Entry(
            NudgeHabit.SOMETHING_NEW,
            dt.time(10, 0),
            False,
            "Try one new thing together",
            "A new recipe, a street you have never walked, a song neither of you knows: "
            "something new, however small.",
            "dashboard",
            "An invitation to do something neither of you has done before.",
        ),
        Entry(
            NudgeHabit.WEEKLY_REVIEW,
            dt.time(19, 0),
            True,
            "Your weekly review",
            # Follows "Your weekly review is tomorrow at ..." (the time is the couple's).
            "Your answers stay private until you have both answered.",
            "checkins:review_home",
            "A reminder the day before your weekly review and another at its time, following "
            "the time the two of you set. None for a review you have both shared and picked "
            "a focus for.",
        ),
    ]
}
