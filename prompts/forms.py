import re

from django import forms

from intimacy.lib.text import as_typed

from .models import Depth, Kind, Layer, PromptSet

# A prompt's number as coaches read it in the library ("No. 123"; "#123" and "№ 123" too),
# or the number alone. Eleven digits at most: a database id, never a huge number.
SHOWN_NUMBER = re.compile(r"(?:no\.?|#) ?(\d{1,11})", re.IGNORECASE)
BARE_NUMBER = re.compile(r"(\d{1,11})")

MINUTE_CHOICES = [
    ("", "Any length"),
    (5, "5 minutes or less"),
    (15, "15 or less"),
    (30, "30 or less"),
]


def prompt_number(raw: str, *, bare: bool = True) -> int | None:
    """The prompt number in what was typed, written as the library shows it or (if `bare`)
    as digits alone; None when it is not a number."""
    text = as_typed(raw)
    match = SHOWN_NUMBER.fullmatch(text) or (BARE_NUMBER.fullmatch(text) if bare else None)
    return int(match.group(1)) if match else None


class LibraryFilterForm(forms.Form):
    """The library's filters, read from the query string."""

    # Longer searches are cut to 100 characters (browsers stop there too), never refused.
    q = forms.CharField(
        label="Search", required=False, widget=forms.TextInput(attrs={"maxlength": 100})
    )
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
        return " ".join(self.cleaned_data["q"][:100].split())

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        # "No. 123", as coaches see it on each prompt, finds that prompt.
        number = prompt_number(str(data.get("q") or ""), bare=False)
        if number is not None:
            data["q"], data["number"] = "", number
        return data

    def filters(self) -> dict[str, object]:
        """The valid filters only: an odd value in the address is ignored, not an error."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class PromptForm(forms.Form):
    text = forms.CharField(
        label="The prompt", max_length=600, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices)
    layer = forms.ChoiceField(label="Layer", choices=Layer.choices)
    depth = forms.ChoiceField(label="Depth", choices=Depth.choices)
    minutes = forms.IntegerField(
        label="About how many minutes", min_value=1, max_value=180, initial=10
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=200,
        help_text="Up to ten short words or phrases (40 letters each), separated by commas.",
    )

    def clean_text(self) -> str:
        return self.cleaned_data["text"].strip()

    def clean_tags(self) -> list[str]:
        words = [" ".join(t.split()).lower() for t in self.cleaned_data["tags"].split(",")]
        tags = list(dict.fromkeys(w for w in words if w))
        # The same limits as a set file (prompts/exchange.py), so an export imports again.
        if len(tags) > 10:
            raise forms.ValidationError("Up to ten tags, please.")
        if any(len(tag) > 40 for tag in tags):
            raise forms.ValidationError("Keep each tag to 40 letters or fewer.")
        return tags


class AddPromptForm(forms.Form):
    """A prompt added to a set by its number, typed as the library shows it or plainly."""

    prompt = forms.CharField(
        label="Add a prompt by its number",
        help_text="Coaches see each prompt's number (No. 123) in the library.",
        error_messages={"required": "Type the prompt's number, like No. 123."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_prompt(self) -> int:
        number = prompt_number(self.cleaned_data["prompt"])
        if number is None:
            raise forms.ValidationError(
                "There's no prompt number like that. Type it as the library shows it, like No. 123."
            )
        return number


class SetForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=120,
        error_messages={"required": "A set needs a title."},
    )
    description = forms.CharField(
        label="Description",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audience = forms.CharField(label="Who it is for", max_length=120, required=False)
    visibility = forms.ChoiceField(label="Who can find it", choices=PromptSet.Visibility.choices)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="A set exported as JSON",
        help_text="Up to 512 KB.",
        error_messages={"required": "Choose a set file (.json) to import."},
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > 512 * 1024:
            raise forms.ValidationError("That file is too big for a prompt set (512 KB at most).")
        return upload.read()
