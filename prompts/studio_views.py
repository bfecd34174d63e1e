"""The coach studio: write prompts and sets, order, publish, duplicate, import, export, offer."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext

from intimacy.accounts.access import get_coaching_or_404, require_coach
from intimacy.accounts.models import CoachLink
from intimacy.lib.decorators import login_required_post

from . import services
from .access import get_own_prompt_or_404, get_own_set_or_404
from .exchange import SetFileError, parse_set, set_to_json
from .forms import AddPromptForm, ImportForm, PromptForm, SetForm, prompt_number
from .models import Prompt, PromptSet
from .selectors import visible_prompt


@login_required
def studio(request: HttpRequest) -> HttpResponse:
    require_coach(request)
    return _studio_page(request, SetForm(initial={"visibility": PromptSet.Visibility.PRIVATE}))


def _studio_page(request: HttpRequest, set_form: SetForm, status: int = 200) -> HttpResponse:
    ctx = {
        "sets": PromptSet.objects.filter(author=request.user).order_by("-created_at"),
        "prompts": Prompt.objects.filter(author=request.user).order_by("-updated_at")[:200],
        "import_form": ImportForm(),
        "set_form": set_form,
    }
    return render(request, "prompts/studio.html", ctx, status=status)


@login_required
def prompt_edit(request: HttpRequest, prompt_id: int | None = None) -> HttpResponse:
    require_coach(request)
    prompt = get_own_prompt_or_404(request, prompt_id) if prompt_id else None
    initial = {}
    if prompt:
        initial = {f: getattr(prompt, f) for f in ("text", "kind", "layer", "depth", "minutes")}
        initial["tags"] = ", ".join(prompt.tags)
    into = get_own_set_or_404(request, request.GET["set"]) if request.GET.get("set") else None
    form = PromptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.prompt_save(author=request.user, prompt=prompt, into=into, **form.cleaned_data)
        messages.success(request, "Prompt saved.")
        if into is None:
            return redirect("prompts:studio")
        return redirect("prompts:studio_set", slug=into.slug)
    ctx = {"form": form, "prompt": prompt, "into": into}
    return render(request, "prompts/studio_prompt.html", ctx)


@login_required_post
def set_new(request: HttpRequest) -> HttpResponse:
    require_coach(request)
    form = SetForm(request.POST)
    if not form.is_valid():
        # The studio again, with what was typed and the error next to its field.
        return _studio_page(request, form)
    prompt_set = services.set_create(author=request.user, **form.cleaned_data)
    return redirect("prompts:studio_set", slug=prompt_set.slug)


SET_FIELDS = ("title", "description", "audience", "visibility")


@login_required
def set_edit(request: HttpRequest, slug: str) -> HttpResponse:
    prompt_set = get_own_set_or_404(request, slug)
    initial = {f: getattr(prompt_set, f) for f in SET_FIELDS}
    form = SetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.set_update(prompt_set=prompt_set, **form.cleaned_data)
        messages.success(request, "Saved.")
        return redirect("prompts:studio_set", slug=slug)
    return _set_page(request, prompt_set, form=form)


def _set_page(
    request: HttpRequest,
    prompt_set: PromptSet,
    *,
    form: SetForm | None = None,
    add_form: AddPromptForm | None = None,
) -> HttpResponse:
    ctx = {
        "set": prompt_set,
        "form": form or SetForm(initial={f: getattr(prompt_set, f) for f in SET_FIELDS}),
        "add_form": add_form or AddPromptForm(),
        "items": prompt_set.items.select_related("prompt"),
        "couples": CoachLink.objects.of_coach(request.user).prefetch_related(
            "couple__memberships__user"
        ),
    }
    return render(request, "prompts/studio_set.html", ctx)


@login_required_post
def set_items(request: HttpRequest, slug: str) -> HttpResponse:
    """Add, remove, and move prompts up or down (buttons that work without JavaScript)."""
    prompt_set = get_own_set_or_404(request, slug)
    action = request.POST.get("action")
    if action == "add":
        return _set_add(request, prompt_set)
    prompt_id = prompt_number(request.POST.get("prompt", "")) or 0
    if action == "remove":
        services.set_remove_prompt(prompt_set=prompt_set, prompt_id=prompt_id)
    elif action in ("up", "down"):
        services.set_move(prompt_set=prompt_set, prompt_id=prompt_id, up=action == "up")
    return redirect("prompts:studio_set", slug=slug)


def _set_add(request: HttpRequest, prompt_set: PromptSet) -> HttpResponse:
    """A prompt added by its number; a wrong one is said by the field, with what was typed."""
    form = AddPromptForm(request.POST)
    prompt = None
    if form.is_valid():
        number = form.cleaned_data["prompt"]
        prompt = visible_prompt(prompt_id=number, user=request.user)
        if prompt is None:
            form.add_error("prompt", f"There's no prompt number {number} you can use.")
    if prompt is None:
        return _set_page(request, prompt_set, add_form=form)
    services.set_add_prompt(prompt_set=prompt_set, prompt=prompt)
    messages.success(request, f"Added No. {prompt.pk}.")
    return redirect("prompts:studio_set", slug=prompt_set.slug)


@login_required_post
def set_publish(request: HttpRequest, slug: str) -> HttpResponse:
    prompt_set = get_own_set_or_404(request, slug)
    publish = request.POST.get("publish") == "yes"
    try:
        services.set_publish(prompt_set=prompt_set, publish=publish)
    except services.StudioError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Published." if publish else "Back to draft: only you can see it."
        )
    return redirect("prompts:studio_set", slug=slug)


@login_required_post
def set_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    copy = services.set_duplicate(prompt_set=get_own_set_or_404(request, slug), author=request.user)
    messages.success(request, f"A copy, as a draft: \u201c{copy.title}\u201d.")
    return redirect("prompts:studio_set", slug=copy.slug)


@login_required
def set_export(request: HttpRequest, slug: str) -> HttpResponse:
    prompt_set = get_own_set_or_404(request, slug)
    prompts = [item.prompt for item in prompt_set.items.select_related("prompt")]
    body = json.dumps(
        set_to_json(prompt_set=prompt_set, prompts=prompts), indent=2, ensure_ascii=False
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{prompt_set.slug}.json"'
    return response


@login_required_post
def set_import(request: HttpRequest) -> HttpResponse:
    require_coach(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("file", ["Choose a file to import."])))
        return redirect("prompts:studio")
    try:
        data = parse_set(form.cleaned_data["file"])
    except SetFileError as exc:
        messages.error(request, f"Nothing was imported. {exc}")
        return redirect("prompts:studio")
    prompt_set = services.set_import(data=data, author=request.user)
    count = len(data.prompts)
    noun = ngettext("prompt", "prompts", count)
    messages.success(
        request, f"Imported {count} {noun} as a draft set, \u201c{prompt_set.title}\u201d."
    )
    return redirect("prompts:studio_set", slug=prompt_set.slug)


@login_required_post
def set_offer(request: HttpRequest, slug: str) -> HttpResponse:
    prompt_set = get_own_set_or_404(request, slug)
    raw = request.POST.get("couple", "")
    link = get_coaching_or_404(request, int(raw) if raw.isdigit() and len(raw) < 19 else 0)
    try:
        services.set_offer(prompt_set=prompt_set, couple=link.couple, coach=request.user)
    except services.StudioError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Offered. The couple can accept or decline it.")
    return redirect("prompts:studio_set", slug=slug)
