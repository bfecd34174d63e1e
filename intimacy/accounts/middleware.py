from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django_htmx.http import HttpResponseClientRedirect


class UserTimezoneMiddleware:
    """Show every time in the viewer's own zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class MFARequiredMiddleware:
    """Coaches and staff see couples' data: until they turn on two-factor authentication,
    every page sends them to set it up (the set-up pages, logging out and health checks
    aside). htmx requests are told to go there as a whole page."""

    ALLOWED = ("mfa_index", "account_logout", "account_reauthenticate", "quick_exit")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def allowed_prefixes(self) -> tuple[str, ...]:
        return (*(reverse(name) for name in self.ALLOWED), settings.STATIC_URL, "/livez/",
                "/healthz/")  # fmt: skip

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (user.is_coach or user.is_staff)
            and not request.path.startswith(self.allowed_prefixes)
            and not is_mfa_enabled(user)
        ):
            setup = reverse("mfa_activate_totp")
            if not request.session.get("mfa_required_told"):
                request.session["mfa_required_told"] = True
                messages.info(
                    request,
                    "Coaches and staff see couples' data, so two-factor authentication is "
                    "required. Set up an authenticator app to continue.",
                )
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(setup)
            return redirect(setup)
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing a logged-in person sees is kept by the browser or a proxy: after a quick exit
    or logging out, Back shows no private page from the cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, no_store=True, private=True)
        return response
