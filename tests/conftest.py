"""The cast: alice and bob are a couple, charlie is an outsider, coach is a coach.

Tests that need a real server are marked `needs_postgres` or `needs_redis`; without
the server they are skipped with one line, or fail when REQUIRE_SERVICES=1 (CI).
"""

import datetime as dt
import os
import shutil
import time
from collections.abc import Iterator

import pytest
import redis
import time_machine
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.core.cache import cache
from django.test import Client as DjangoClient

from intimacy.accounts.models import Couple, User
from intimacy.settings.test import TEST_CACHE_PREFIX
from prompts.models import Depth, PromptSet

from .factories import UserFactory, make_couple, make_set

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
AXE = settings.BASE_DIR / "tests/e2e/node_modules/axe-core/axe.min.js"
_skipped: dict[str, int] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = {
        "needs_postgres": None if ON_POSTGRES else "DATABASE_URL is not a PostgreSQL server",
        "needs_redis": None if settings.REDIS_URL else "REDIS_URL is not set",
        "e2e": None if HAVE_CHROMIUM else f"no Chromium at {CHROMIUM}",
    }
    if HAVE_CHROMIUM and not AXE.exists():
        missing["e2e"] = "axe-core is not installed (npm ci --prefix tests/e2e)"
    for item in items:
        reason = next((r for m, r in missing.items() if r and item.get_closest_marker(m)), None)
        if reason is None:
            continue
        _skipped[reason] = _skipped.get(reason, 0) + 1
        # In CI (REQUIRE_SERVICES=1) a missing service fails the test instead of skipping it.
        marker = pytest.mark.missing_service if REQUIRE_SERVICES else pytest.mark.skip
        item.add_marker(marker(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "missing_service(reason): fail, a required service is down")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("missing_service")
    if marker is not None:
        pytest.fail(f"REQUIRE_SERVICES=1 but {marker.kwargs['reason']}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped and not REQUIRE_SERVICES:
        parts = "; ".join(f"{n} because {reason}" for reason, n in _skipped.items())
        terminalreporter.write_line(f"Skipped tests that need a service or a browser: {parts}.")


class Client(DjangoClient):
    """`force_login` as if the person had just typed their password: pages that ask for it
    again (reauthentication) let them through. Tests of that asking use DjangoClient."""

    def force_login(self, user: User, backend: str | None = None) -> None:
        super().force_login(user, backend)
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "reauthenticated": True}
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    """Rate-limit counters must not leak between tests. On Redis, only our own test keys go."""
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"{TEST_CACHE_PREFIX}:*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(email="alice@example.com", display_name="Alice", time_zone="Europe/Paris")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory(email="bob@example.com", display_name="Bob", time_zone="America/New_York")


@pytest.fixture
def charlie(db: None) -> User:
    return UserFactory(email="charlie@example.com", display_name="Charlie", time_zone="UTC")


@pytest.fixture
def coach(db: None) -> User:
    return UserFactory(
        email="coach@example.com", display_name="Dana", time_zone="UTC", is_coach=True
    )


@pytest.fixture
def other_coach(db: None) -> User:
    return UserFactory(email="coach2@example.com", display_name="Remy", is_coach=True)


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="staff@example.com", display_name="Staff", is_staff=True)


@pytest.fixture
def couple(alice: User, bob: User) -> Couple:
    return make_couple(alice, bob)


@pytest.fixture
def wednesday_noon() -> Iterator[None]:
    """Time stands still on Wednesday 18 November 2026 at noon UTC (13:00 in Paris, where
    Alice lives): "today" and "this week" (begun Monday 16 November) are the same every run.
    A module uses it with `pytest.mark.usefixtures("wednesday_noon")`."""
    with time_machine.travel(dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def everyday(db: None) -> PromptSet:
    """The default prompt set: two light prompts, a medium one, a deep one."""
    return make_set("everyday", [Depth.LIGHT, Depth.LIGHT, Depth.MEDIUM, Depth.DEEP], default=True)


@pytest.fixture
def charlie_couple(charlie: User) -> Couple:
    """Charlie's own pending couple: an object outsiders can try to reach."""
    return make_couple(charlie)
