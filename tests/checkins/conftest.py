import re

import pytest

from checkins.models import CheckIn
from intimacy.accounts.models import Couple, User
from tests.factories import submit


@pytest.fixture
def bobs_checkin(couple: Couple, bob: User) -> CheckIn:
    return submit(bob)


@pytest.fixture
def alices_checkin(couple: Couple, alice: User) -> CheckIn:
    return submit(alice, weather="sunny", energy=4, private_note="alice private")


def checked(html: str, name: str) -> set[str]:
    """The values of the checked radio buttons or boxes called `name` in a page."""
    inputs = re.findall(r"<input[^>]*>", html)
    return {
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in inputs
        if f'name="{name}"' in tag and re.search(r"\schecked\b", tag)
    }
