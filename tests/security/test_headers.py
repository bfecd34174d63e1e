"""Every URL pattern, requested anonymously and as a partner: every HTML answer carries a strict
Content Security Policy and the other security headers; answers reached through a secret in the
URL are never stored."""

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from checkins.services import calendar_feed_reset, rhythm_set
from intimacy.accounts import services as accounts
from intimacy.accounts.models import Couple, User
from intimacy.lib.secret_urls import SECRET_URL_PARAMS
from intimacy.nudges.models import Nudge, unsubscribe_token
from tests.factories import PASSWORD, UserFactory, make_couple

from .urlmap import all_routes, fill

pytestmark = pytest.mark.django_db

VALUES = {"slug": "everyday-closeness", "token": "x" * 20, "key": "abc", "uidb36": "1"}
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def check(response, url: str) -> bool:
    """Assert the headers of an HTML response; False for anything else (not counted)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    for header, value in EXPECTED.items():
        assert response.get(header) == value, (url, header, response.get(header))
    csp = response.get("Content-Security-Policy", "")
    directives = dict(
        ([*part.split(" ", 1), ""])[:2] for part in (p.strip() for p in csp.split(";")) if part
    )
    if url == reverse("export_html") and response.status_code == 200:
        assert_file_policy(response, directives)
        return True
    assert directives.get("default-src") == "'self'", (url, csp)
    assert directives.get("script-src") == "'self'", (url, csp)
    assert directives.get("style-src") == "'self'", (url, csp)
    assert directives.get("frame-ancestors") == "'none'", (url, csp)
    assert "unsafe-inline" not in csp, (url, csp)
    assert "unsafe-eval" not in csp, (url, csp)
    assert directives.get("form-action") == "'self'", (url, csp)
    assert "http" not in csp, (url, csp)  # nothing from anywhere else
    return True


def assert_file_policy(response: HttpResponse, directives: dict[str, str]) -> None:
    """The export's page to read is a file to keep, under its own policy, stricter than the
    app's: it loads nothing, and only its one stylesheet, named by its hash, applies."""
    [css] = re.findall(r"<style>(.*?)</style>", response.content.decode(), flags=re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert directives == {
        "default-src": "'none'",
        "style-src": f"'sha256-{digest}'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }, directives


def test_every_html_response_has_the_security_headers(client, alice, couple, capsys):
    # (The quick exit answers with a redirect and logs out: it is checked on its own below.)
    routes = [
        r
        for r in all_routes()
        if not r.route.startswith(settings.ADMIN_URL) and r.name != "quick_exit"
    ]
    admin = [r for r in all_routes() if r.route.startswith(settings.ADMIN_URL)]
    values = {**VALUES}
    checked = 0
    for who in ("anonymous", "alice"):
        if who == "alice":
            client.force_login(alice)
        for route in routes + admin[:5]:
            url = fill(route.route, {p: values.get(p, 1) for p in route.params})
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                checked += check(response, url)
    with capsys.disabled():
        print(f"\nsecurity headers: {checked} HTML responses checked over {len(routes)} routes")
    assert checked > 100


def test_hsts_and_secure_cookies_over_https(client, alice, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.post(
        reverse("account_login"),
        {"login": "alice@example.com", "password": PASSWORD},
        secure=True,
    )
    page = client.get(reverse("account_login"), secure=True)
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = response.cookies | page.cookies
    assert {"sessionid", "csrftoken"} <= set(cookies)
    for cookie in cookies.values():
        assert cookie["secure"], cookie.key
        assert cookie["httponly"], cookie.key
        assert cookie["samesite"] == "Lax", cookie.key


def test_the_quick_exit_logs_out_and_leaves_with_no_trace(client, alice, settings):
    settings.QUICK_EXIT_URL = "https://weather.example.org/"
    client.force_login(alice)
    response = client.get(reverse("quick_exit"))
    assert response.status_code == 302
    assert response.url == "https://weather.example.org/"
    assert "Referrer-Policy" in response
    page = client.get(reverse("dashboard"))
    assert page.url.startswith(reverse("account_login"))  # logged out


def test_private_pages_are_not_kept_by_the_browser(client, alice):
    client.force_login(alice)
    for name in ("dashboard", "checkins:history", "nudges:inbox", "privacy"):
        cache_control = client.get(reverse(name))["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_health_checks_touch_neither_the_session_nor_the_database(
    client, alice, django_assert_num_queries
):
    client.force_login(alice)  # a logged-in browser, or a load balancer with a cookie
    with django_assert_num_queries(0):
        assert client.get(reverse("livez")).status_code == 200


# Pages reached through a secret in the URL (an invite, a coach's invitation, the calendar feed,
# a nudge's links, allauth's email confirmation and password reset) may show a name, an email
# address or a schedule to whoever holds the link, logged in or not: neither the browser nor a
# proxy may keep them. URL parameters are either secrets (SECRET_URL_PARAMS, which the
# middleware marks no-store) or known not to be; a new name fails until it is sorted here.
NOT_SECRET = {"slug", "app_label", "url", "id"}  # and database ids, "..._id"


def test_every_url_parameter_is_known_to_be_a_secret_or_not():
    unknown = {
        (route.name, param)
        for route in all_routes()
        for param in route.params
        if param not in SECRET_URL_PARAMS and param not in NOT_SECRET and not param.endswith("_id")
    }
    assert not unknown, f"secret or not? add to SECRET_URL_PARAMS or NOT_SECRET: {unknown}"


# For each route with a secret: real values, who opens it, and what its page shows.
Opening = tuple[dict[str, str], User | None, str]


def _join(couple: Couple, alice: User, coach: User) -> Opening:
    invite = make_couple(UserFactory(email="erin@example.com", display_name="Erin")).invites.get()
    return {"token": invite.token}, None, "Erin would like to pair with you"


def _coach_join(couple: Couple, alice: User, coach: User) -> Opening:
    return {"token": accounts.coach_invite(couple=couple).token}, coach, "Alice"


def _calendar(couple: Couple, alice: User, coach: User) -> Opening:
    rhythm_set(
        couple=couple,
        weekday=6,
        local_time=dt.time(19),
        duration_minutes=30,
        time_zone="Europe/London",
    )
    return {"token": calendar_feed_reset(user=alice).token}, None, "BEGIN:VCALENDAR"


def _nudge_open(couple: Couple, alice: User, coach: User) -> Opening:
    nudge = Nudge.objects.create(
        user=alice,
        habit="slow_hug",
        local_date=dt.date(2026, 11, 21),
        due_at=dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC),
        state="sent",
    )
    return {"token": nudge.open_token()}, None, ""  # counts it opened, then leads on


def _unsubscribe(couple: Couple, alice: User, coach: User) -> Opening:
    return {"token": unsubscribe_token(alice)}, None, "Alice, we'll stop"


def _confirm_email(couple: Couple, alice: User, coach: User) -> Opening:
    dana = UserFactory(email="dana@example.com", verified=False)
    address = EmailAddress.objects.create(user=dana, email=dana.email, primary=True)
    return {"key": EmailConfirmationHMAC(address).key}, None, "dana@example.com"


def _reset_password(couple: Couple, alice: User, coach: User) -> Opening:
    values = {"uidb36": user_pk_to_url_str(alice), "key": default_token_generator.make_token(alice)}
    return values, None, "Choose a new password"


REAL: dict[str, Callable[[Couple, User, User], Opening]] = {
    "accounts:join": _join,
    "coach:join": _coach_join,
    "checkins:calendar_ics": _calendar,
    "nudges:open": _nudge_open,
    "nudges:unsubscribe": _unsubscribe,
    "account_confirm_email": _confirm_email,
    "account_reset_password_from_key": _reset_password,
}


def secret_routes() -> list:
    return [r for r in all_routes() if SECRET_URL_PARAMS & set(r.params)]


def reached_by_secret(url: str) -> bool:
    try:
        return bool(SECRET_URL_PARAMS & set(resolve(urlsplit(url).path).kwargs))
    except Resolver404:
        return False


def assert_not_stored(response: HttpResponse, url: str) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (url, response.status_code, directives)


def open_link(client: Client, url: str) -> HttpResponse:
    """GET the link and follow redirects while they stay on secret URLs (allauth's reset link
    moves its key into the session and on to .../set-password/), checking every answer."""
    response = client.get(url)
    assert_not_stored(response, url)
    while response.status_code == 302 and reached_by_secret(response["Location"]):
        url = response["Location"]
        response = client.get(url)
        assert_not_stored(response, url)
    return response


def test_answers_reached_through_a_secret_in_the_url_are_never_stored(couple, alice, coach, capsys):
    routes = secret_routes()
    assert {r.name for r in routes} == set(REAL), "a new secret URL: add its real values to REAL"
    for route in routes:
        values, who, shows = REAL[route.name](couple, alice, coach)
        url = fill(route.route, values)
        # Anonymously, as the link is usually opened (from an email, a calendar app).
        response = open_link(Client(), url)
        if who is not None:  # the page is for a logged-in person: as them, too
            client = Client()
            client.force_login(who)
            response = open_link(client, url)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert shows in response.content.decode(), (url, response.status_code)
        # A wrong or used-up secret: the "no such link" page is not kept either.
        junk = fill(
            route.route,
            {p: "x" * 20 if p in SECRET_URL_PARAMS else values[p] for p in route.params},
        )
        assert_not_stored(Client().get(junk), junk)
    with capsys.disabled():
        print(f"\nno-store: {len(routes)} URLs reached through a secret, real and wrong ones")


@pytest.mark.parametrize("email", ["dana@example.com", "bob@example.com"], ids=["new", "taken"])
def test_a_visitors_invite_and_sign_up_are_not_stored_on_any_page(alice, bob, email):
    """Before logging in, a visitor's session holds who invited them and the address they
    signed up with; whichever page shows them next is not kept either."""
    invite = make_couple(alice).invites.get()
    visitor = Client()
    visitor.get(reverse("accounts:join", args=[invite.token]))
    signup = {"display_name": "Dana", "password1": "a calm harbour at dusk", "time_zone": "UTC"}
    signup["password2"] = signup["password1"]
    visitor.post(reverse("account_signup"), {**signup, "email": email})
    shown = set()
    for route in all_routes():
        if route.params or route.route.startswith(settings.ADMIN_URL):
            continue
        if route.name in ("quick_exit", "account_logout"):  # they end the visit
            continue
        url = fill(route.route, {})
        response = visitor.get(url)
        text = response.content.decode(errors="replace")
        for detail in ("Alice", email):
            if detail in text:
                shown.add(detail)
                assert_not_stored(response, url)
    assert shown == {"Alice", email}
