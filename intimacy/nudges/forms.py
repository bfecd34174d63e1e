import datetime as dt

from django import forms

from .catalogue import CATALOGUE, NudgeHabit
from .models import NudgeRule, NudgeSettings
from .services import RuleChoice

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferencesForm(forms.Form):
    paused_until = forms.DateField(
        required=False,
        label="Pause every nudge until",
        help_text="For a hard season: nothing arrives until the day after this date. Leave "
        "empty to keep nudges on.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    by_email = forms.BooleanField(required=False, label="By email")
    in_app = forms.BooleanField(required=False, label="In the app (your dashboard)")
    quiet_start = forms.TimeField(
        label="Quiet from", widget=TIME, help_text="Nothing arrives between these times."
    )
    quiet_end = forms.TimeField(label="Quiet until", widget=TIME)
    daily_cap = forms.IntegerField(
        min_value=1,
        max_value=10,
        label="At most this many nudges a day",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: object, today: dt.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for key, entry in CATALOGUE.items():
            self.fields[f"on_{key}"] = forms.BooleanField(
                required=False, label=entry.habit.label, help_text=entry.about
            )
            if key != NudgeHabit.WEEKLY_REVIEW:
                self.fields[f"at_{key}"] = forms.TimeField(
                    label=f"Time for \u201c{entry.habit.label}\u201d", widget=TIME
                )

    @classmethod
    def for_settings(
        cls, prefs: NudgeSettings, rules: list[NudgeRule], today: dt.date, data: object = None
    ) -> "PreferencesForm":
        initial: dict[str, object] = {
            f: getattr(prefs, f)
            for f in ("paused_until", "by_email", "in_app", "quiet_start", "quiet_end", "daily_cap")
        }
        for rule in rules:
            initial[f"on_{rule.habit}"] = rule.enabled
            initial[f"at_{rule.habit}"] = rule.local_time
        return cls(data, initial=initial, today=today)

    def clean_paused_until(self) -> dt.date | None:
        day = self.cleaned_data["paused_until"]
        if day is not None and day < self.today:
            raise forms.ValidationError("Choose today or a later date, or leave it empty.")
        if day is not None and day > self.today + dt.timedelta(days=366):
            raise forms.ValidationError("A pause can last up to a year; choose an earlier date.")
        return day

    def habit_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField | None]]:
        return [
            (key, self[f"on_{key}"], self[f"at_{key}"] if f"at_{key}" in self.fields else None)
            for key in CATALOGUE
        ]

    def rule_choices(self, rules: list[NudgeRule]) -> dict[str, RuleChoice]:
        times = {rule.habit: rule.local_time for rule in rules}
        return {
            key: RuleChoice(
                enabled=self.cleaned_data[f"on_{key}"],
                local_time=self.cleaned_data.get(f"at_{key}") or times.get(key, entry.default_time),
            )
            for key, entry in CATALOGUE.items()
        }
