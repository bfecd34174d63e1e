from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.http import HttpRequest

from intimacy.lib.crypto import decrypt, encrypt

from .models import User
from .selectors import landing_url

EMAIL_MAX_LENGTH = 254


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Said wherever a password or code is tried too often (logging in, typing it again,
        # changing it, deleting the account, two-factor codes); a guess counts five minutes.
        "too_many_login_attempts": "Too many attempts. Try again in a few minutes.",
    }

    def clean_email(self, email: str) -> str:
        # The database column holds 254 characters (RFC 5321's limit for an address).
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                f"An email address can have at most {EMAIL_MAX_LENGTH} characters."
            )
        return super().clean_email(email)

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
    (intimacy/lib/crypto.py, keys apart from SECRET_KEY)."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
