from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("couple/start/", views.couple_create, name="couple_create"),
    path("couple/<id:couple_id>/invites/new/", views.invite_new, name="invite_new"),
    path("couple/<id:couple_id>/end/", views.couple_end, name="couple_end"),
    path("invites/<id:invite_id>/revoke/", views.invite_revoke, name="invite_revoke"),
    path("join/", views.join_code, name="join_code"),
    path("join/<str:token>/", views.join, name="join"),
    path("settings/profile/", views.profile, name="profile"),
    path("couple/<id:couple_id>/coach/", views.couple_coach, name="couple_coach"),
    path("couple/coach-links/<id:link_id>/scope/", views.coach_scope, name="coach_scope"),
    path("couple/coach-links/<id:link_id>/revoke/", views.coach_revoke, name="coach_revoke"),
]
