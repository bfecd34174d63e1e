from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from intimacy.accounts.services import current_couple
from intimacy.lib.decorators import login_required_post

from . import selectors, services
from .access import get_offer_or_404, get_prompt_or_404, get_set_or_404
from .forms import LibraryFilterForm
from .models import PromptLog, Status


@login_required
def library(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET)
    page = selectors.library_page(filters=form.filters(), page=request.GET.get("page") or 1)
    couple = current_couple(user=request.user)
    ctx = {
        "form": form,
        "page": page,
        "sets": selectors.library_sets(couple=couple),
        "offers": selectors.open_offers(couple=couple) if couple else [],
        "followed": selectors.followed_sets(couple=couple, user=request.user) if couple else [],
    }
    return render(request, "prompts/library.html", ctx)


@login_required
def set_detail(request: HttpRequest, slug: str) -> HttpResponse:
    prompt_set = get_set_or_404(request, slug)
    couple = current_couple(user=request.user)
    following = selectors.is_following(couple=couple, prompt_set=prompt_set)
    items = prompt_set.items.select_related("prompt")
    if prompt_set.author_id != request.user.pk:
        # Prompts staff archived are gone for everyone but the set's author.
        items = items.filter(prompt__status=Status.PUBLISHED)
    ctx = {"set": prompt_set, "items": items, "couple": couple, "following": following}
    return render(request, "prompts/set_detail.html", ctx)


@login_required_post
def set_follow(request: HttpRequest, slug: str) -> HttpResponse:
    couple = current_couple(user=request.user)
    if request.POST.get("follow") == "no" and couple is not None:
        # Stopping is always possible, even for a set the couple can no longer open.
        followed = selectors.followed_set(couple=couple, slug=slug)
        if followed is not None:
            services.set_unfollow(couple=couple, prompt_set=followed)
            messages.success(request, "You no longer follow that set.")
            return redirect("prompts:library")
    prompt_set = get_set_or_404(request, slug)
    if couple is None:
        messages.error(request, "Start your couple first; then you can follow sets together.")
    elif request.POST.get("follow") == "no":
        services.set_unfollow(couple=couple, prompt_set=prompt_set)
        messages.success(request, f"You no longer follow \u201c{prompt_set.title}\u201d.")
    else:
        services.set_follow(couple=couple, prompt_set=prompt_set)
        messages.success(
            request, f"Following \u201c{prompt_set.title}\u201d: its prompts come up day by day."
        )
    return redirect("prompts:set", slug=prompt_set.slug)


@login_required_post
def prompt_mark(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = get_prompt_or_404(request, prompt_id)
    couple = current_couple(user=request.user)
    state = request.POST.get("state")
    if couple is None:
        messages.error(request, "Start your couple first.")
    elif state == "unsave":
        services.prompt_unsave(couple=couple, prompt=prompt)
    elif state in PromptLog.State.values:
        services.prompt_mark(couple=couple, prompt=prompt, state=state, by=request.user)
        messages.success(request, MARKED[state])
    else:
        messages.error(request, "Choose done, skip or save.")
    return redirect("prompts:saved" if request.POST.get("next") == "saved" else "dashboard")


MARKED = {
    PromptLog.State.DONE: "Marked as done. Nicely done, both of you.",
    PromptLog.State.SKIPPED: "Skipped. Another one comes tomorrow.",
    PromptLog.State.SAVED: "Saved for later.",
}


@login_required
def saved(request: HttpRequest) -> HttpResponse:
    couple = current_couple(user=request.user)
    logs = selectors.saved_prompts(couple=couple) if couple else []
    return render(request, "prompts/saved.html", {"logs": logs})


@login_required_post
def offer_answer(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = get_offer_or_404(request, offer_id)
    accept = request.POST.get("accept") == "yes"
    services.set_offer_answer(offer=offer, accept=accept)
    if accept:
        messages.success(request, f"Following \u201c{offer.prompt_set.title}\u201d.")
    else:
        messages.info(request, "Declined. Nothing changes for you.")
    return redirect("prompts:library")
