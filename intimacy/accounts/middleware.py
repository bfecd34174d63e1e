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

from intimacy.lib.secret_urls import takes_secret

from .access import remember_way_on

# Load balancers' checks: they answer without the session or the user (no query).
HEALTH_PATHS = ("/livez/", "/healthz/")


class UserTimezoneMiddleware:
    """Show every time in the viewer's own zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in HEALTH_PATHS:  # no times shown; no need to load the user
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class MFARequiredMiddleware:
    """Coaches and staff see couples' data: until they turn on two-factor authentication,
    every page sends them to set it up (the set-up pages, logging out and health checks
    aside), remembering the page they were opening to offer it afterwards. htmx requests are
    told to go there as a whole page."""

    ALLOWED = ("mfa_index", "account_logout", "account_reauthenticate", "quick_exit")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def allowed_prefixes(self) -> tuple[str, ...]:
        return (*(reverse(name) for name in self.ALLOWED), settings.STATIC_URL, *HEALTH_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: health checks must not load the session or the user.
        if request.path.startswith(self.allowed_prefixes):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if (user.is_coach or user.is_staff) and not is_mfa_enabled(user):
            if is_page_visit(request):
                # Offered again once the set-up is done ("Continue" on the recovery codes).
                remember_way_on(request, request.get_full_path())
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
        if is_page_visit(request):
            remember_way_on(request, None)  # gone on (or never set up here): nothing to offer
        return self.get_response(request)


def is_page_visit(request: HttpRequest) -> bool:
    """A page the person opened: not a form sent, an htmx part, or what a page loads by itself
    (an icon, an image: browsers say so in Sec-Fetch-Dest)."""
    return (
        request.method == "GET"
        and not getattr(request, "htmx", False)
        and request.headers.get("Sec-Fetch-Dest", "document") == "document"
    )


class NoStoreMiddleware:
    """Nothing of a person's is kept by the browser or a proxy. That is every answer that used
    a session holding something: a logged-in person's (after a quick exit or logging out, Back
    shows no private page from the cache), or a visitor's, who invited them or the address
    they signed up with (shown on the next page). And every answer reached through a secret
    link, logged in or not: it shows a name, an email address or a schedule to whoever holds
    the link, and a shared computer or a proxy must not keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if takes_secret(getattr(request, "resolver_match", None)):
            # Whatever the view said: the link is the key, so nothing may keep the answer.
            response["Cache-Control"] = "no-store, private"
            return response
        # Only answers that used the session can show anything of a person's; a first visit
        # (an empty session) stays cacheable, and health checks never touch the session.
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and not session.is_empty()
            and "Cache-Control" not in response
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
