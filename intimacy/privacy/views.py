"""Your data: the privacy page, the export (JSON, and a page to keep), the account's deletion."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.debug import sensitive_post_parameters

from checkins.archive import former_couples
from intimacy.accounts.forms import DeleteAccountForm
from intimacy.lib.decorators import password_recently

from . import export_page
from .deletion import account_delete as delete_account
from .export import data_export


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """Your data: download it, read what you kept of a couple that ended, or delete your account."""
    return render(request, "privacy/privacy.html", {"former": former_couples(user=request.user)})


@login_required
@password_recently
def export_json(request: HttpRequest) -> HttpResponse:
    data = data_export(user=request.user)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    day = timezone.localdate(timezone.now(), request.user.zone)
    response["Content-Disposition"] = f'attachment; filename="intimacy-export-{day}.json"'
    return response


@login_required
@password_recently
def export_html(request: HttpRequest) -> HttpResponse:
    """A file to keep: the export in the app's words and the app's own stylesheet, with
    nothing to load (intimacy/privacy/export_page.py says how its one <style> satisfies the CSP)."""
    css, style_source = export_page.stylesheet()
    ctx = {
        "page": export_page.export_page(data_export(user=request.user)),
        "css": mark_safe(css),  # noqa: S308 - our own stylesheet, checked to hold no "</"
        "meta_policy": export_page.meta_policy(style_source),
    }
    response = render(request, "privacy/export.html", ctx)
    # This response's policy is the file's own: stricter than the app's, and it allows the
    # one stylesheet by its hash (never 'unsafe-inline').
    response._csp_config = export_page.policy(style_source)  # type: ignore[attr-defined]
    day = timezone.localdate(timezone.now(), request.user.zone)
    response["Content-Disposition"] = f'attachment; filename="intimacy-export-{day}.html"'
    return response


@sensitive_post_parameters("password")
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user)
        logout(request)
        return render(request, "privacy/deleted.html")
    return render(request, "privacy/delete.html", {"form": form})
