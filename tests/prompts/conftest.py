import pytest

from prompts.models import Depth, PromptSet
from tests.factories import make_set


@pytest.fixture
def playful(db: None) -> PromptSet:
    return make_set("playful", [Depth.LIGHT, Depth.DEEP, Depth.LIGHT])
