import pytest

from prompts.models import Depth, Kind, Layer, Prompt, PromptSet, PromptSetItem, Status


def make_set(slug: str, depths: list[str], *, default: bool = False) -> PromptSet:
    prompt_set = PromptSet.objects.create(
        title=slug.title(), slug=slug, status=Status.PUBLISHED, is_default=default
    )
    for n, depth in enumerate(depths, start=1):
        prompt = Prompt.objects.create(
            text=f"{slug} prompt {n}",
            kind=Kind.QUESTION,
            layer=Layer.EMOTIONAL,
            depth=depth,
            minutes=5,
            status=Status.PUBLISHED,
        )
        PromptSetItem.objects.create(prompt_set=prompt_set, prompt=prompt, position=n)
    return prompt_set


@pytest.fixture
def everyday(db: None) -> PromptSet:
    return make_set("everyday", [Depth.LIGHT, Depth.LIGHT, Depth.MEDIUM, Depth.DEEP], default=True)


@pytest.fixture
def playful(db: None) -> PromptSet:
    return make_set("playful", [Depth.LIGHT, Depth.DEEP, Depth.LIGHT])
