"""A fixed-window rate limit kept in the cache, so it holds across web processes."""

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, behind TRUSTED_PROXY_COUNT proxies (allauth's own rule)."""
    return get_adapter(request).get_client_ip(request) or ""


def allow(*, action: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt at `action` by `key`; False once `limit` is passed in the window."""
    cache_key = f"ratelimit:{action}:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # Expired between add() and incr().
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit
