from django.urls import path

from . import views

app_name = "checkins"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("history/", views.history, name="history"),
    path("<int:checkin_id>/", views.detail, name="detail"),
    path("<int:checkin_id>/react/", views.react, name="react"),
    path("<int:checkin_id>/react/undo/", views.react_undo, name="react_undo"),
]
