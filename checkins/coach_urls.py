"""The coach's pages, one namespace under /coach/ (included by intimacy/urls.py)."""

from django.urls import path

from . import coach_views

app_name = "coach"

urlpatterns = [
    path("", coach_views.coach_home, name="home"),
    path("couples/<id:couple_id>/", coach_views.coach_couple, name="couple"),
    path("join/", coach_views.coach_join_code, name="join_code"),
    path("join/<str:token>/", coach_views.coach_join, name="join"),
]
