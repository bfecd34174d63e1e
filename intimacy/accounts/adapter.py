from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        user.time_zone = form.cleaned_data["time_zone"]
        if commit:
            user.save()
        return user
