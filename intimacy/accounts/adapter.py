from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.http import HttpRequest

from intimacy.lib.crypto import decrypt, encrypt
from intimacy.lib.decorators import password_typed_recently

from .models import User
from .selectors import landing_url

EMAIL_MAX_LENGTH = 254


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Said wherever a password or code is tried too often (logging in, typing it again,
        # changing it, deleting the account, two-factor codes); a guess counts five minutes.
        "too_many_login_attempts": "Too many attempts. Try again in a few minutes.",
        # allauth's word for the same limit on two-factor set-up codes.
        "rate_limited": "Too many attempts. Try again in a few minutes.",
        # What a wrong password is told, in our words. One message for a known and an
        # unknown address alike: it never says which addresses have an account.
        "email_password_mismatch": "That email and password don't match. Check both and try again.",
        "incorrect_password": "That isn't your password.",
        "enter_current_password": "That isn't your current password.",
        "invalid_password_reset": "This reset link no longer works. Ask for a new one.",
        "same_as_current": "That's the same as the one you have now.",
        "duplicate_email": "That address is already on your account.",
        "cannot_remove_primary_email": "Make another address your main one before removing "
        "this one.",
        "unverified_primary_email": "Confirm your main email address first.",
    }
    # The other ways to confirm it's you, offered on the page that asks (allauth's words).
    REAUTHENTICATION_WORDS = {
        "reauthenticate": "Type your password instead",
        "mfa_reauthenticate": "Use a code from your authenticator app instead",
    }

    def clean_email(self, email: str) -> str:
        # The database column holds 254 characters (RFC 5321's limit for an address).
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                f"An email address can have at most {EMAIL_MAX_LENGTH} characters."
            )
        return super().clean_email(email)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth's pages (two-factor set-up, the email address) ask for the password again
        by the same rule as ours: not when it was typed, to log in or again, within the
        window. Without this, staff sent to set up two-factor seconds after logging in were
        asked for it once more."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        return request is None or not password_typed_recently(request)

    def get_reauthentication_methods(self, user: Any) -> list[dict]:
        methods = super().get_reauthentication_methods(user)
        words = self.REAUTHENTICATION_WORDS
        return [{**m, "description": words.get(m["id"], m["description"])} for m in methods]

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Without a "next" address: a coach with no couple of their own starts on the coaching
        # page (also after confirming their address, which asks this too).
        return landing_url(user=request.user)

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        user.time_zone = form.cleaned_data["time_zone"]
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    """The authenticator secret and recovery seed are encrypted like every other secret text
    (intimacy/lib/crypto.py, keys apart from SECRET_KEY). Errors in the app's words."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code didn't work. Type the newest one your app shows: it "
        "changes every 30 seconds.",
        "unverified_email": "Confirm your email address first (the link is in your inbox), "
        "then set up two-factor authentication.",
        "cannot_delete_authenticator": "Two-factor authentication can't be turned off here.",
        "cannot_generate_recovery_codes": "Recovery codes come with the authenticator app: "
        "set that up first.",
        "add_email_blocked": "While two-factor authentication is on, an email address can't "
        "be added here.",
    }

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
