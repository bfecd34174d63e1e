from django import forms

from .models import Depth, Kind, Layer

MINUTE_CHOICES = [
    ("", "Any length"),
    (5, "5 minutes or less"),
    (15, "15 or less"),
    (30, "30 or less"),
]


class LibraryFilterForm(forms.Form):
    """The library's filters, read from the query string."""

    q = forms.CharField(label="Search", max_length=100, required=False)
    layer = forms.ChoiceField(
        label="Layer", choices=[("", "All layers"), *Layer.choices], required=False
    )
    kind = forms.ChoiceField(
        label="Kind", choices=[("", "All kinds"), *Kind.choices], required=False
    )
    depth = forms.ChoiceField(
        label="Depth", choices=[("", "Any depth"), *Depth.choices], required=False
    )
    minutes = forms.TypedChoiceField(
        label="Time", choices=MINUTE_CHOICES, coerce=int, required=False, empty_value=None
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def filters(self) -> dict[str, object]:
        """The valid filters only: an odd value in the address is ignored, not an error."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
