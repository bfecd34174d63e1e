from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, register_converter

from intimacy.lib.converters import IdConverter
from intimacy.privacy import views as privacy_views

from . import views

# The admin logs in through allauth: the same rate limits, and two-factor authentication.
admin.site.login = secure_admin_login(admin.site.login)


def admin_password_change(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin's own form checked the old password with no limit: use the app's, which counts
    every guess against the account's login limit."""
    return redirect("account_change_password")


admin.site.password_change = admin_password_change  # type: ignore[method-assign]

# Before the apps' URL modules below are read: they use <id:...> for database ids.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz/", views.healthz, name="healthz"),
    path("livez/", views.livez, name="livez"),
    path("coach/", include("checkins.coach_urls")),
    path("exit/", views.quick_exit, name="quick_exit"),
    path("settings/privacy/", privacy_views.privacy, name="privacy"),
    path("settings/privacy/export.json", privacy_views.export_json, name="export_json"),
    path("settings/privacy/export/", privacy_views.export_html, name="export_html"),
    path("settings/privacy/delete/", privacy_views.account_delete, name="account_delete"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("intimacy.accounts.urls")),
    path("", include("checkins.urls")),
    path("prompts/", include("prompts.urls")),
    path("", include("intimacy.nudges.urls")),
]

if settings.BENCHMARK_VIEWS:
    urlpatterns.append(path("bench/base/", views.layout_only, name="bench_base"))
