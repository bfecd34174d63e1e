"""Every URL pattern, requested anonymously and as a partner: every HTML answer carries a strict
Content Security Policy and the other security headers."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

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
    assert directives.get("default-src") == "'self'", (url, csp)
    assert directives.get("script-src") == "'self'", (url, csp)
    assert directives.get("style-src") == "'self'", (url, csp)
    assert directives.get("frame-ancestors") == "'none'", (url, csp)
    assert "unsafe-inline" not in csp, (url, csp)
    assert "unsafe-eval" not in csp, (url, csp)
    assert directives.get("form-action") == "'self'", (url, csp)
    assert "http" not in csp, (url, csp)  # nothing from anywhere else
    return True


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
