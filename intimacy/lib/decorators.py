"""View decorators shared by every app."""

from collections.abc import Callable
from functools import wraps

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
