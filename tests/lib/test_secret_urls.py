"""The secret in an address (an invite, a reset link, a calendar feed) never reaches a log."""

import io
import logging
import secrets
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from intimacy.lib.access_log import RedactingLogger
from intimacy.lib.secret_urls import SECRET_URL_PARAMS, redact
from tests.security.urlmap import all_routes, fill


def secret_paths() -> list[tuple[str, str, str]]:
    """Every route that takes a secret, filled with a random one: (name, path, secret)."""
    found = []
    for route in all_routes():
        if not SECRET_URL_PARAMS & set(route.params):
            continue
        token = secrets.token_urlsafe(18)
        values = {p: token if p in SECRET_URL_PARAMS else "7" for p in route.params}
        if "uidb36" in values:  # a reset link: the user's number in base 36, then the key
            values["uidb36"] = "3f"
        found.append((route.name, fill(route.route, values), token))
    return found


def test_every_address_with_a_secret_is_redacted():
    paths = secret_paths()
    assert len(paths) >= 7  # invites, coach invites, calendar, nudge links, allauth's two
    for name, path, token in paths:
        assert token not in redact(f"Not Found: {path}"), name
        assert token not in redact(f"https://couples.example.org{path}?next=/"), name


def test_other_addresses_are_left_as_they_are():
    for text in ("Not Found: /checkins/123/", "GET /review/42/ HTTP/1.1", "no address here"):
        assert redact(text) == text


def test_django_logs_no_secret_of_a_link(client, db):
    token = secrets.token_urlsafe(24)
    # The handler the settings give Django's loggers (and the root), writing to a buffer here.
    handler = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        client.get(f"/join/{token}/")  # an unknown invite: 404, which Django logs as a warning
        logging.getLogger("intimacy").warning("Gone: %s", f"/coach/join/{token}/")
    finally:
        handler.setStream(stream)
    assert "Not Found: /join/[secret]/" in written.getvalue()
    assert "Gone: /coach/join/[secret]/" in written.getvalue()
    assert token not in written.getvalue()


def access_line(path: str, referer: str = "") -> str:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": referer,
        "REMOTE_ADDR": "10.0.0.2",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(resp, req, environ, SimpleNamespace(seconds=0, microseconds=5000))
    return logger.cfg.access_log_format % logger.atoms_wrapper_class(atoms)


@pytest.mark.parametrize("kind", ["path", "referer"])
def test_the_web_servers_access_log_holds_no_secret(kind):
    _, path, token = next(p for p in secret_paths() if p[0] == "accounts:join")
    if kind == "path":
        line = access_line(path)
    else:  # the invite page's "Create an account" link sends the invite as its referrer
        line = access_line("/accounts/signup/", referer=f"https://couples.example.org{path}")
    assert token not in line
    assert "[secret]" in line
    assert access_line("/review/42/").count("/review/42/") == 1
