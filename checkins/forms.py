import datetime as dt

from django import forms
from django.utils import timezone

from intimacy.accounts.forms import TimeZoneField
from prompts.models import Layer

from .models import (
    NOTE_MAX,
    PRIVATE_NOTE_MAX,
    WEATHER_HINTS,
    Disclosure,
    Habit,
    Need,
    Reaction,
    ReviewAnswer,
    Rhythm,
    Tag,
    Weather,
)
from .services import AnswerFields

ENERGY_CHOICES = [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


class WeatherSelect(forms.RadioSelect):
    """Seven big tiles, each an icon with its name and a hint of what it means."""

    template_name = "checkins/widgets/weather.html"
    option_template_name = "checkins/widgets/weather_option.html"

    def create_option(self, *args: object, **kwargs: object) -> dict[str, object]:
        option = super().create_option(*args, **kwargs)
        option["hint"] = WEATHER_HINTS.get(option["value"], "")
        return option


class ChipSelect(forms.CheckboxSelectMultiple):
    template_name = "checkins/widgets/chips.html"


class ChipRadio(forms.RadioSelect):
    template_name = "checkins/widgets/chips.html"


class CheckInForm(forms.Form):
    weather = forms.ChoiceField(
        label="What's your weather today?",
        choices=Weather.choices,
        widget=WeatherSelect,
        error_messages={
            "required": "Choose the weather that fits today.",
            "invalid_choice": "Choose one of the seven weathers.",
        },
    )
    energy = forms.TypedChoiceField(
        label="Energy",
        error_messages={
            "required": "Choose your energy, from 1 to 5.",
            "invalid_choice": "Choose your energy, from 1 to 5.",
        },
        help_text="1 is running on empty, 5 is full of beans.",
        choices=ENERGY_CHOICES,
        coerce=int,
        widget=ChipRadio,
    )
    needs = forms.MultipleChoiceField(
        label="What you need today", choices=Need.choices, required=False, widget=ChipSelect
    )
    tags = forms.MultipleChoiceField(
        label="What's weighing on you", choices=Tag.choices, required=False, widget=ChipSelect
    )
    note_to_partner = forms.CharField(
        label="A note to your partner",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    private_note = forms.CharField(
        label="A private note",
        help_text="Only you will ever see this.",
        max_length=PRIVATE_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disclosure = forms.ChoiceField(
        label="What your partner sees",
        help_text="Just your weather; or your weather, energy and needs; or all of it, "
        "including your note to them. Your private note is never shared.",
        choices=Disclosure.choices,
        initial=Disclosure.NEEDS,
        widget=ChipRadio,
    )

    def clean_note_to_partner(self) -> str:
        return self.cleaned_data["note_to_partner"].strip()

    def clean_needs(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["needs"]))

    def clean_tags(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["tags"]))

    def clean(self) -> dict[str, object]:
        data = super().clean()
        # A note written for the partner should reach them: say so rather than drop it.
        if data.get("note_to_partner") and data.get("disclosure") not in (None, Disclosure.ALL):
            self.add_error(
                "note_to_partner",
                "Your partner only sees this note if you share everything but your private "
                "note. Choose that below, or leave the note empty.",
            )
        return data

    def clean_private_note(self) -> str:
        return self.cleaned_data["private_note"].strip()


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class HistoryForm(forms.Form):
    """The month and the trend range in the history page's query string."""

    EARLIEST_MONTH = dt.date(2000, 1, 1)

    month = forms.DateField(input_formats=["%Y-%m"], required=False)
    range = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days")], coerce=int, required=False, empty_value=30
    )

    @classmethod
    def read(cls, query: object, *, today: dt.date) -> tuple[dt.date, int]:
        """The month to show and the trend's length; each falls back alone when odd."""
        form = cls(query)
        form.is_valid()
        month = form.cleaned_data.get("month") or today
        if not cls.EARLIEST_MONTH <= month <= today:
            month = today  # Before the app existed, or in the future.
        return month.replace(day=1), form.cleaned_data.get("range") or 30


# Weekly review

DURATION_CHOICES = [
    (15, "15 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "An hour"),
    (90, "An hour and a half"),
]
RATING_CHOICES = [(n, str(n)) for n in range(1, 6)]
REPAIR_CHOICES = ReviewAnswer.Repair.choices

QUESTION_LABELS = {
    "appreciations": "What I appreciated about you this week",
    "went_well": "What went well for us",
    "hard_moment": "A hard moment",
    "unspoken_need": "Something I need that I haven't said",
    "feel_loved": "What could I do this week to help you feel loved?",
}
# The same questions in a word or two, for the "needs more time" boxes.
QUESTION_SHORT = {
    "appreciations": "Appreciations",
    "went_well": "What went well",
    "hard_moment": "The hard moment",
    "unspoken_need": "The unspoken need",
    "feel_loved": "Feeling loved",
}


class RhythmForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Day", choices=Rhythm.Weekday.choices, coerce=int, initial=Rhythm.Weekday.SUNDAY
    )
    local_time = forms.TimeField(
        label="Time", initial=dt.time(19, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.TypedChoiceField(
        label="How long", choices=DURATION_CHOICES, coerce=int, initial=30
    )
    time_zone = TimeZoneField(
        label="In the time zone of",
        help_text="The review keeps to this zone's clock; each of you sees it in your own.",
    )


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the viewer's zone, with a plain word for the hour the clocks skip."""

    def to_python(self, value: object) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code != "ambiguous_timezone":
                raise
            raise forms.ValidationError(
                "The clocks change at that time here. Choose a time an hour earlier or later.",
                code="clock_change",
            ) from exc


class MoveForm(forms.Form):
    starts_at = LocalDateTimeField(
        label="New date and time",
        help_text="In your own time zone.",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: object, week_start: dt.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.week_start = week_start

    def clean_starts_at(self) -> dt.datetime:
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now():
            raise forms.ValidationError("Choose a time that is still to come.")
        earliest = timezone.make_aware(dt.datetime.combine(self.week_start, dt.time()))
        if not earliest - dt.timedelta(days=7) <= starts_at <= earliest + dt.timedelta(days=14):
            raise forms.ValidationError("Move it within a week or so of its usual day.")
        return starts_at


class ReviewAnswerForm(forms.Form):
    """My answers. A draft may be partial; submitting needs every question answered."""

    more_time = forms.MultipleChoiceField(
        label="Needs more time",
        help_text="Tick a question to say you'd like to come back to it. That's a fine answer.",
        choices=list(QUESTION_SHORT.items()),
        required=False,
        widget=ChipSelect,
    )
    repair = forms.ChoiceField(
        error_messages={"invalid_choice": "Choose yes, no or needs more time."},
        label="Do I owe you a small repair?",
        choices=REPAIR_CHOICES,
        required=False,
        widget=ChipRadio,
    )
    repair_what = forms.CharField(
        label="What for",
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, submitting: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        # The five written questions first, then the rest as declared, then the ratings.
        questions = {
            name: forms.CharField(
                label=label,
                max_length=NOTE_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            for name, label in QUESTION_LABELS.items()
        }
        self.fields = {**questions, **self.fields}
        for layer, label in Layer.choices:
            for kind, verb in (
                ("felt", "How close I felt"),
                ("wished", "How close I wished to feel"),
            ):
                self.fields[f"{kind}_{layer}"] = forms.TypedChoiceField(
                    label=f"{verb}: {label.lower()}",
                    choices=RATING_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    widget=ChipRadio,
                )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        for name in QUESTION_LABELS:
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        if self.submitting:
            more_time = set(data.get("more_time") or [])
            for name in QUESTION_LABELS:
                if name in self.cleaned_data and not data.get(name) and name not in more_time:
                    self.add_error(
                        name, "Write a few words, or tick \u201cneeds more time\u201d below."
                    )
            for layer in Layer.values:
                for kind in ("felt", "wished"):
                    name = f"{kind}_{layer}"
                    if name in self.cleaned_data and data.get(name) is None:
                        self.add_error(name, "Choose from 1 to 5.")
            if not data.get("repair"):
                self.add_error("repair", "Choose one; \u201cneeds more time\u201d is fine.")
        return data

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in QUESTION_LABELS]

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[f"{kind}_{layer}"] for layer in Layer.values for kind in ("felt", "wished")]

    def service_fields(self) -> AnswerFields:
        """The valid answers, in the shape of ReviewAnswer, ready to save as a draft."""
        return AnswerFields(**self.cleaned_data)

    @staticmethod
    def initial_from(answer: "ReviewAnswer | None") -> dict[str, object]:
        if answer is None:
            return {}
        initial = {name: getattr(answer, name) for name in QUESTION_LABELS}
        initial["more_time"] = answer.more_time
        initial["repair"] = answer.repair
        initial["repair_what"] = answer.repair_what
        for layer in Layer.values:
            for kind in ("felt", "wished"):
                initial[f"{kind}_{layer}"] = getattr(answer, f"{kind}_{layer}")
        return initial


class FocusForm(forms.Form):
    habit = forms.ChoiceField(label="Next week's focus", choices=Habit.choices, widget=ChipRadio)


class TopicForm(forms.Form):
    text = forms.CharField(
        label="Park a topic for the weekly review",
        max_length=280,
        help_text="A few words to remember it by. Your partner will see it on the agenda.",
    )

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise forms.ValidationError("Write a few words about the topic.")
        return text
