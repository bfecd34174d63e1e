"""Addresses that carry a secret: whoever holds such a link opens the page, logged in or not.

One list of the URL parameters that are secrets (our invites, coach invitations, calendar feed
and nudge links: "token"; allauth's email confirmation and password reset: "key", "uidb36"),
read by every place that must treat those addresses apart: answers to them are never stored
(NoStoreMiddleware), and the secret in them never reaches a log (`redact`, the logging filter
below and the web server's access log in intimacy/lib/access_log.py).
"""

import logging
import re
from urllib.parse import urlsplit

from django.urls import Resolver404, ResolverMatch, resolve

SECRET_URL_PARAMS = frozenset({"token", "key", "uidb36", "secret", "code"})
HIDDEN = "[secret]"
# A path, alone or after a scheme and host, up to a space, quote, query or fragment.
_ADDRESS = re.compile(r"(?:https?://[^/\s\"']+)?(/[^\s\"'?#]*)")


def takes_secret(match: ResolverMatch | None) -> bool:
    """Whether the URL pattern that answered takes a secret (its parameter names say so)."""
    return match is not None and not SECRET_URL_PARAMS.isdisjoint(match.kwargs)


def secrets_in(path: str) -> list[str]:
    """The secret values in `path`, by the URL configuration (none for other paths)."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return []
    return [str(v) for k, v in match.kwargs.items() if k in SECRET_URL_PARAMS and v]


def redact(text: str) -> str:
    """`text` with the secret of every address in it replaced by "[secret]"."""
    if "/" not in text:
        return text
    for path in set(_ADDRESS.findall(text)):
        for secret in secrets_in(path):
            text = text.replace(secret, HIDDEN)
    return text


class RedactSecretURLs(logging.Filter):
    """On a log handler: no line it writes holds the secret of an address (a 404 for an
    invite link, a request line of the development server)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
