"""View decorators shared by every app."""

import time
from collections.abc import Callable
from functools import wraps

from allauth.account import app_settings as allauth_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

View = Callable[..., HttpResponse]


def login_required_post(view: View) -> View:
    """For actions behind a button: visitors log in first; a stray GET goes to the dashboard."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return redirect("dashboard")
        return view(request, *args, **kwargs)

    return wrapper


def password_typed_recently(request: HttpRequest) -> bool:
    """Whether the person typed their password (to log in, or again; a two-factor code with
    it) within allauth's reauthentication window. The one rule for sensitive actions: our
    views ask it through password_recently, allauth's own pages through the account adapter.
    allauth alone counts only a password typed *again*, so a fresh login was asked twice."""
    records = get_authentication_records(request, request.user)
    window = allauth_settings.REAUTHENTICATION_TIMEOUT
    return any(time.time() - record.get("at", 0) < window for record in records)


def password_recently(view: View) -> View:
    """For sensitive actions: the password was typed recently (password_typed_recently);
    otherwise the person is asked for it first, and comes back here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not password_typed_recently(request):
            raise ReauthenticationRequired
        return view(request, *args, **kwargs)

    return wrapper
