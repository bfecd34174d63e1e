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
    assert "http" not in csp, (url, csp)  # no third-party source
    return True


def test_every_html_response_has_the_security_headers(client, alice, couple, capsys):
    routes = [r for r in all_routes() if not r.route.startswith(settings.ADMIN_URL)]
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
