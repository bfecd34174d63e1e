import datetime as dt

from django import forms

from .catalogue import CATALOGUE, NudgeHabit
from .models import NudgeRule, NudgeSettings, in_quiet_hours
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
        help_text="From 1 to 10.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": "Choose a number from 1 to 10.",
            "max_value": "Choose a number from 1 to 10.",
            "invalid": "Choose a number from 1 to 10.",
            "required": "Choose a number from 1 to 10.",
        },
    )

    def __init__(
        self, *args: object, today: dt.date, focus: set[str] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for key, entry in CATALOGUE.items():
            self.fields[f"on_{key}"] = forms.BooleanField(
                required=False, label=entry.habit.label, help_text=entry.about
            )
            if key in (focus or set()):
                self.fields[f"stop_{key}"] = forms.BooleanField(
                    required=False, label="Stop this week's focus nudges for this habit"
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
        focus = {rule.habit for rule in rules if rule.focus_until and rule.is_on(today)}
        return cls(data, initial=initial, today=today, focus=focus)

    def clean_paused_until(self) -> dt.date | None:
        day = self.cleaned_data["paused_until"]
        if day is not None and day < self.today:
            raise forms.ValidationError("Choose today or a later date, or leave it empty.")
        if day is not None and day > self.today + dt.timedelta(days=366):
            raise forms.ValidationError("A pause can last up to a year; choose an earlier date.")
        return day

    def clean(self) -> dict[str, object]:
        """A habit switched on at a time inside the quiet hours would never arrive: say so."""
        data = super().clean()
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if start is None or end is None:
            return data
        for key in CATALOGUE:
            at = data.get(f"at_{key}")
            if data.get(f"on_{key}") and at and in_quiet_hours(local=at, start=start, end=end):
                self.add_error(
                    f"at_{key}",
                    f"That time is inside your quiet hours ({start:%H:%M}\u2013{end:%H:%M}), "
                    "so it would never arrive. Choose another time, or change the quiet hours.",
                )
        return data

    def habit_rows(
        self,
    ) -> list[tuple[str, forms.BoundField, forms.BoundField | None, forms.BoundField | None]]:
        def field(name: str) -> forms.BoundField | None:
            return self[name] if name in self.fields else None

        return [
            (key, self[f"on_{key}"], field(f"at_{key}"), field(f"stop_{key}")) for key in CATALOGUE
        ]

    def rule_choices(self, rules: list[NudgeRule]) -> dict[str, RuleChoice]:
        times = {rule.habit: rule.local_time for rule in rules}
        return {
            key: RuleChoice(
                enabled=self.cleaned_data[f"on_{key}"],
                local_time=self.cleaned_data.get(f"at_{key}") or times.get(key, entry.default_time),
                stop_focus=bool(self.cleaned_data.get(f"stop_{key}")),
            )
            for key, entry in CATALOGUE.items()
        }
