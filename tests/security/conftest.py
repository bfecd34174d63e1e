"""A spy on password hashing: Django's own fast test hasher, counting every hash it computes."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from pytest_django.fixtures import Settings

HASHES: list[str] = []


class CountingHasher(MD5PasswordHasher):
    """The tests' MD5 hasher, unchanged, that notes each hash. Checking a password hashes the
    typed one too (MD5's verify calls encode), so this counts checks and new hashes alike."""

    def encode(self, password: str, salt: str) -> str:
        HASHES.append(salt)
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings: Settings) -> Iterator[list[str]]:
    """How many password hashes ran since the list was last cleared."""
    settings.PASSWORD_HASHERS = ["tests.security.conftest.CountingHasher"]
    HASHES.clear()
    yield HASHES
    HASHES.clear()
