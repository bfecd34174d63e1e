import unicodedata
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django import forms
from django.http import HttpRequest, HttpResponse

from intimacy.lib.dates import time_zone_choices

from .models import Invite, User


def clean_display_name(raw: str) -> str:
    """Collapse spaces and drop invisible control characters (bidi overrides, zero widths)."""
    visible = "".join(c for c in raw if unicodedata.category(c) not in ("Cc", "Cf"))
    name = " ".join(visible.split())
    if not name:
        raise forms.ValidationError("Please tell us what to call you.")
    return name


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("choices", time_zone_choices)
        kwargs.setdefault("initial", "UTC")
        kwargs.setdefault("help_text", "Your days and reminders follow this zone.")
        super().__init__(**kwargs)


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        max_length=60,
        label="Your name",
        help_text="What your partner will see. A first name is enough.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    time_zone = TimeZoneField(label="Your time zone")

    field_order = ["display_name", "email", "password1", "password2", "time_zone"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # static/js/app.js fills in the browser's zone when JavaScript runs.
        self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = "true"

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def try_save(self, request: HttpRequest) -> tuple[User | None, HttpResponse | None]:
        if self.account_already_exists:
            # allauth emails the owner of a taken address instead of making an account, and so
            # skipped the slowest step of a sign-up, hashing the password (Argon2, slow on
            # purpose): a fast answer meant "registered". Build the account as a sign-up does,
            # hashing included, and drop it unsaved, so both answers cost the same.
            adapter = get_adapter(request)
            adapter.save_user(request, adapter.new_user(request), self, commit=False)
        return super().try_save(request)


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's form, checking the current password as login does (one count per account,
    shared with login, reauthentication and deletion) rather than by check_password, which
    only the page's 5 posts a minute held back."""

    def clean_oldpassword(self) -> str:
        password = self.cleaned_data.get("oldpassword", "")
        adapter = get_adapter()
        if not adapter.reauthenticate(self.user, password):
            raise adapter.validation_error("enter_current_password")
        return password


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=60, label="Your name")
    time_zone = TimeZoneField(label="Your time zone")

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    @classmethod
    def for_user(cls, user: User, data: object = None) -> "ProfileForm":
        return cls(data, initial={"display_name": user.display_name, "time_zone": user.time_zone})


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=20,
        help_text="Eight letters and numbers, like K7QF\u20119MZP.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = Invite.normalise_code(self.cleaned_data["code"])
        if not Invite.is_well_formed_code(code):
            raise forms.ValidationError(
                "That doesn't look like an invite code. Check for a missing letter or number."
            )
        return code


class CoachScopeForm(forms.Form):
    share_engagement = forms.BooleanField(
        label="How often we check in and do prompts (counts only)", required=False
    )
    share_reviews = forms.BooleanField(
        label="Our weekly-review summaries (weeks, focus habits and closeness numbers; "
        "never what we wrote)",
        required=False,
    )


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password again, and checks it as login does: through
    allauth, so guesses here and at login share one count per account (the login_failed rate
    limit), and past it the password is not checked at all."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # Raises the "too many attempts" error itself, before checking anything.
        if not get_adapter().reauthenticate(self.user, password):
            raise forms.ValidationError("That isn't your password. Nothing was deleted.")
        return password


# Two-factor codes: six digits from the app, or an eight-digit recovery code.
CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "autocapitalize": "off",
    "spellcheck": "false",
}


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth makes a new secret every time the set-up page is opened, so a reload (or a look
    back at the page) left an app that had scanned the code with a secret that no longer
    counted. One secret waits in the session until it is turned on (allauth then forgets it,
    and the next set-up gets a new one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pending = context.request.session.get(SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if pending:
            self.secret = context.request.session[SECRET_SESSION_KEY] = pending
        self.fields["code"].label = "The six-digit code your app shows"
        self.fields["code"].widget.attrs = dict(CODE_ATTRS)

    @property
    def secret_in_groups(self) -> str:
        """The secret to type by hand: 32 letters and digits in groups of four."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


class AuthenticateForm(AllauthAuthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from your app, or a recovery code"
        self.fields["code"].widget.attrs = dict(CODE_ATTRS)


class ReauthenticateForm(AllauthReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from your app, or a recovery code"
        self.fields["code"].widget.attrs = dict(CODE_ATTRS)
