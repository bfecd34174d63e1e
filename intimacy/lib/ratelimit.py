"""Rate limits on secrets people type by hand (invite and coach codes).

allauth's limiter, the one behind login, so every limit of the app is one line of
ACCOUNT_RATE_LIMITS and is counted one way: in the cache (Redis in production, so it holds
across web processes), in a sliding window, by the client's address behind
TRUSTED_PROXY_COUNT proxies with IPv6 counted per /64 network (one home or server gets a
whole /64; counting single addresses would give it endless tries), and per person where the
rate says `/user`.
"""

from allauth.core import ratelimit
from django.http import HttpRequest


def allow(request: HttpRequest, *, action: str) -> bool:
    """Count one attempt at `action` (a key of ACCOUNT_RATE_LIMITS); False once any of its
    rates is used up. GET requests are never counted (allauth's rule): call it on POST."""
    return ratelimit.consume(request, action=action)
