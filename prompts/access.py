"""One access helper per object type: 404 for anyone who may not see the object."""

from django.http import Http404, HttpRequest

from .models import Prompt, PromptSet, Status
from .selectors import visible_set


def get_set_or_404(request: HttpRequest, slug: str) -> PromptSet:
    prompt_set = visible_set(slug=slug, user=request.user)
    if prompt_set is None:
        raise Http404("No such set.")
    return prompt_set


def get_prompt_or_404(request: HttpRequest, prompt_id: int) -> Prompt:
    """A published prompt, or one of the viewer's own drafts."""
    prompt = Prompt.objects.filter(pk=prompt_id).first()
    if prompt is None or (
        prompt.status != Status.PUBLISHED and prompt.author_id != request.user.pk
    ):
        raise Http404("No such prompt.")
    return prompt
