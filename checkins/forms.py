from django import forms

from .models import (
    NOTE_MAX,
    PRIVATE_NOTE_MAX,
    WEATHER_HINTS,
    Disclosure,
    Need,
    Reaction,
    Tag,
    Weather,
)

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
        label="What's your weather today?", choices=Weather.choices, widget=WeatherSelect
    )
    energy = forms.TypedChoiceField(
        label="Energy",
        help_text="1 is running on empty, 5 is full of beans.",
        choices=ENERGY_CHOICES,
        coerce=int,
        widget=ChipRadio,
    )
    needs = forms.MultipleChoiceField(
        label="What I need today", choices=Need.choices, required=False, widget=ChipSelect
    )
    tags = forms.MultipleChoiceField(
        label="What's weighing on me", choices=Tag.choices, required=False, widget=ChipSelect
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
        choices=Disclosure.choices,
        initial=Disclosure.NEEDS,
        widget=ChipRadio,
    )

    def clean_note_to_partner(self) -> str:
        return self.cleaned_data["note_to_partner"].strip()

    def clean_private_note(self) -> str:
        return self.cleaned_data["private_note"].strip()


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class HistoryForm(forms.Form):
    """The month and the trend range in the history page's query string."""

    month = forms.DateField(input_formats=["%Y-%m"], required=False)
    range = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days")], coerce=int, required=False, empty_value=30
    )
