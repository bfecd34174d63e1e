"""One access helper per object type: 404 for anyone who may not see the object."""

from django.http import Http404, HttpRequest

from intimacy.accounts.access import require_coach
from intimacy.accounts.models import CoachLink, Couple

from .models import Prompt, PromptSet, SetOffer
from .selectors import visible_prompt, visible_set


def get_set_or_404(request: HttpRequest, slug: str) -> PromptSet:
    prompt_set = visible_set(slug=slug, user=request.user)
    if prompt_set is None:
        raise Http404("No such set.")
    return prompt_set


def get_prompt_or_404(request: HttpRequest, prompt_id: int) -> Prompt:
    """A prompt the viewer may read: in the library, in a set they may open, or their own."""
    prompt = visible_prompt(prompt_id=prompt_id, user=request.user)
    if prompt is None:
        raise Http404("No such prompt.")
    return prompt


def get_own_set_or_404(request: HttpRequest, slug: str) -> PromptSet:
    """One of the coach's own sets."""
    require_coach(request)
    prompt_set = PromptSet.objects.filter(slug=slug, author=request.user).first()
    if prompt_set is None:
        raise Http404("No such set.")
    return prompt_set


def get_own_prompt_or_404(request: HttpRequest, prompt_id: int) -> Prompt:
    require_coach(request)
    prompt = Prompt.objects.filter(pk=prompt_id, author=request.user).first()
    if prompt is None:
        raise Http404("No such prompt.")
    return prompt


def get_offer_or_404(request: HttpRequest, offer_id: int) -> SetOffer:
    """An open offer made to the viewer's own couple."""
    couple_ids = Couple.objects.for_user(request.user).values("pk")
    offer = (
        SetOffer.objects.select_related("couple", "prompt_set")
        .filter(pk=offer_id, couple__in=couple_ids, status=SetOffer.Status.OFFERED)
        .filter(coach__in=CoachLink.objects.active().filter(couple__in=couple_ids).values("coach"))
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    return offer
